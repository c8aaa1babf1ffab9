"""Write outbox rows in the transaction of the domain change they report.

The ratings app saves a :class:`~haochaping.ratings.models.Rating` inside ``rating_submit``'s
transaction, and both the ratings and the rectification apps write a timeline row in the
transaction of every state change (STYLE.md "State changes", step 5). ``post_save`` of those rows
runs inside the same transaction, so hooking it needs no change to their code: the outbox row
commits with the change or not at all.

Not covered here: rows inserted with raw SQL (the ratings importer's PostgreSQL COPY fast path).
The daily reconciliation backfills those (``reconcile.backfill_ratings``), and a rectification
result or exclusion of such a rating queues the rating first, so the case's order holds.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from haochaping.dataout.enums import Topic

# Rectification timeline types that are results the platform wants (contact, fix, feedback,
# callback satisfaction, close, reopen, conclusion). Urges, comments, reveals, pauses are not.
RECTIFICATION_RESULT_TYPES = frozenset(
    {
        "rectification.contacted",
        "rectification.fixed_at_once",
        "rectification.explained",
        "rectification.feedback_given",
        "rectification.callback_recorded",
        "rectification.closed",
        "rectification.reopened",
        "rectification.escalated",
        "rectification.supervision_closed",
        "rectification.withdrawn",
    }
)


def on_rating_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    from haochaping.dataout import records, services

    services.outbox_enqueue(
        topic=Topic.RATING, source_id=instance.pk, record=records.rating_record(instance)
    )


def _ensure_rating_queued(rating: Any) -> None:
    """A result must follow its rating: queue the rating first if it never was (a rating written
    by raw SQL, or while the push was off), in this same transaction."""
    from haochaping.dataout import records, services
    from haochaping.dataout.models import OutboxMessage

    if not OutboxMessage.objects.filter(topic=Topic.RATING, source_id=rating.pk).exists():
        services.outbox_enqueue(
            topic=Topic.RATING, source_id=rating.pk, record=records.rating_record(rating)
        )


def on_rating_event_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    from haochaping.ratings.events import RATING_EXCLUDED

    if not created or raw or instance.type != RATING_EXCLUDED:
        return
    from haochaping.dataout import records, services

    _ensure_rating_queued(instance.rating)
    services.outbox_enqueue(
        topic=Topic.RATING_EXCLUDED,
        source_id=instance.rating_id,
        record=records.rating_excluded_record(instance),
    )


def on_rectification_event_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.type not in RECTIFICATION_RESULT_TYPES:
        return
    from haochaping.dataout import records, services

    _ensure_rating_queued(instance.rectification.rating)
    services.outbox_enqueue(
        topic=Topic.RECTIFICATION,
        source_id=instance.pk,
        record=records.rectification_record(instance),
    )


def connect() -> None:
    # Lazy "app_label.Model" senders: nothing is imported from the other apps here.
    post_save.connect(on_rating_saved, sender="ratings.Rating", dispatch_uid="dataout-rating")
    post_save.connect(
        on_rating_event_saved, sender="ratings.RatingEvent", dispatch_uid="dataout-rating-event"
    )
    post_save.connect(
        on_rectification_event_saved,
        sender="rectification.RectificationEvent",
        dispatch_uid="dataout-rectification-event",
    )
