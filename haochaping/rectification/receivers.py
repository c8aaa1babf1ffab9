"""Signal receivers: every valid bad rating opens exactly one rectification, in its transaction."""

from __future__ import annotations

from typing import Any

from haochaping.ratings.events import bad_review_received


def open_rectification_for_bad_review(sender: Any, rating: Any, **kwargs: Any) -> None:
    from haochaping.rectification.services import rectification_open

    rectification_open(rating=rating)


def connect() -> None:
    bad_review_received.connect(
        open_rectification_for_bad_review, dispatch_uid="rectification-open-on-bad-review"
    )
    from haochaping.rectification.services import recompute_deadlines
    from haochaping.workdays import recompute

    recompute.register("rectification", recompute_deadlines)
