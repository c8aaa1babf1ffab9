"""Timeline rows of ratings, and the signal other capabilities listen to."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from haochaping.core.clock import now
from haochaping.ratings.models import Rating, RatingEvent

BAD_REVIEW_RECEIVED = "rating.bad_review_received"
RATING_EXCLUDED = "rating.excluded"

# Sent inside the submitting transaction for every valid bad review (levels 1-2), with
# ``rating``. The rectification capability connects here to open its case in the same
# transaction; until then the timeline row below is the record that the clock must start.
bad_review_received = Signal()

# Sent by the bulk importer's PostgreSQL fast path once per chunk, inside the chunk's transaction
# after its ratings are written, with ``rating_ids`` (the new ratings' ids, ascending). That path
# writes with INSERT ... SELECT, so no post_save and no per-rating hook runs for these ratings:
# a capability that reacts to new ratings connects here too and handles the chunk set-based
# (coverage closes tasks, dataout queues outbox rows, integrity queues its checks). Whatever a
# receiver writes commits with the chunk or not at all. (Bad reviews still get
# ``bad_reviews_imported``, before this.) The generic path sends nothing: it goes
# through rating_submit, whose per-rating hooks run as for any other rating.
ratings_imported = Signal()

# Sent by the same fast path once per chunk, before ``ratings_imported``, with ``ratings`` (the
# chunk's valid bad reviews, ascending ids, ``case`` loaded) instead of ``bad_review_received``
# for each: a capability that connects to ``bad_review_received`` connects here too and does
# the same for the whole list (rectification opens them set-based).
bad_reviews_imported = Signal()


def rating_event_record(
    *, rating: Rating, type: str, payload: dict[str, Any] | None = None, acting_user: Any = None
) -> RatingEvent:
    return RatingEvent.objects.create(
        rating=rating, type=type, payload=payload or {}, acting_user=acting_user, created_at=now()
    )


def id_runs(ids: list[int]) -> list[list[int]]:
    """Ids as [first, last] runs of consecutive numbers: a chunk's ids are mostly one run, so
    a job's arguments stay a few numbers instead of thousands."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] + 1 == i:
            runs[-1][1] = i
        elif not runs or runs[-1][1] != i:
            runs.append([i, i])
    return runs


def ids_of_runs(runs: list[list[int]]) -> list[int]:
    return [i for first, last in runs for i in range(first, last + 1)]
