"""Signal receivers: every valid bad rating opens exactly one rectification, in its transaction
(imported chunks: all of the chunk's bad reviews at once)."""

from __future__ import annotations

from typing import Any

from haochaping.ratings.events import bad_review_received, bad_reviews_imported


def open_rectification_for_bad_review(sender: Any, rating: Any, **kwargs: Any) -> None:
    from haochaping.rectification.services import rectification_open

    rectification_open(rating=rating)


def open_rectifications_for_imported(sender: Any, ratings: Any, **kwargs: Any) -> None:
    from haochaping.rectification.services import rectification_open_many

    rectification_open_many(ratings=ratings)


def connect() -> None:
    bad_reviews_imported.connect(
        open_rectifications_for_imported, dispatch_uid="rectification-open-on-bad-reviews-imported"
    )
    bad_review_received.connect(
        open_rectification_for_bad_review, dispatch_uid="rectification-open-on-bad-review"
    )
    from haochaping.rectification.services import recompute_deadlines
    from haochaping.workdays import recompute

    recompute.register("rectification", recompute_deadlines)
