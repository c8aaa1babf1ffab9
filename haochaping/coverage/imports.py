"""Bulk-imported ratings close their cases' supplementary tasks, set-based.

The ratings importer's PostgreSQL fast path writes ratings with INSERT ... SELECT (no post_save,
so ``receivers.close_task_on_rating`` does not run) and sends ``ratings_imported`` once per
chunk, inside the chunk's transaction. Here the chunk's open tasks are closed exactly as
``services.task_close_on_rating`` closes one (same status, resolution, on-time rule and
timeline row), with one locking read, one UPDATE (per 500 tasks) and one INSERT of timeline
rows.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from haochaping.core.clock import now
from haochaping.coverage import events
from haochaping.coverage.enums import TaskResolution, TaskStatus
from haochaping.coverage.models import CoverageEvent, SupplementaryTask
from haochaping.ratings.enums import Channel, Validity
from haochaping.ratings.events import ratings_imported
from haochaping.ratings.models import Rating


def _resolution(rating: dict[str, Any]) -> tuple[str, str]:
    """(status, resolution) as ``task_close_on_rating`` decides them."""
    if rating["is_system_default"]:
        return TaskStatus.DEFAULTED, TaskResolution.SYSTEM_DEFAULT
    if rating["channel"] == Channel.SMS:
        return TaskStatus.RATED, TaskResolution.SMS_LINK
    if rating["channel"] == Channel.PHONE and rating["is_staff_entered"]:
        return TaskStatus.RATED, TaskResolution.PHONE
    return TaskStatus.RATED, TaskResolution.OTHER_CHANNEL


def tasks_close_on_import(rating_ids: list[int]) -> int:
    """Close the open tasks of the cases these valid first ratings belong to; returns how many.

    Runs in the caller's transaction (the import chunk's)."""
    if not rating_ids:
        return 0
    chunk = set(rating_ids)
    # Open tasks are few (recent unrated online cases); a chunk's ids are one id range, mostly
    # contiguous. Start from the open tasks whose case has a first rating in that range, so
    # no query carries the chunk's thousands of ids.
    in_range = Rating.objects.filter(
        pk__gte=min(chunk),
        pk__lte=max(chunk),
        case__isnull=False,
        assess_number=1,
        validity=Validity.VALID,
    )
    tasks = list(
        SupplementaryTask.objects.select_for_update(of=("self",))
        .filter(status__in=TaskStatus.open_values(), case_id__in=in_range.values("case_id"))
        .order_by("pk")
        .only("id", "case_id", "due_at")
    )
    ratings: dict[int, dict[str, Any]] = {}
    for r in (
        in_range.filter(case_id__in=[t.case_id for t in tasks])
        .order_by("pk")
        .values("id", "case_id", "is_system_default", "channel", "is_staff_entered", "receipt")
    ):
        if r["id"] in chunk:
            ratings.setdefault(r["case_id"], r)  # the earliest of the case closes its task
    tasks = [t for t in tasks if t.case_id in ratings]
    if not tasks:
        return 0
    at = now()
    closing = []
    for task in tasks:
        rating = ratings[task.case_id]
        task.status, task.resolution = _resolution(rating)
        task.closed_at = at
        task.rating_id = rating["id"]
        task.on_time = task.status == TaskStatus.RATED and at <= task.due_at
        closing.append((task, rating))
    SupplementaryTask.objects.bulk_update(
        tasks, ["status", "resolution", "closed_at", "rating", "on_time"], batch_size=500
    )
    CoverageEvent.objects.bulk_create(
        CoverageEvent(
            subject="task",
            subject_id=task.pk,
            type=events.TASK_CLOSED,
            payload={
                "resolution": str(task.resolution),
                "on_time": task.on_time,
                "receipt": rating["receipt"],
            },
            acting_user=None,
            created_at=at,
        )
        for task, rating in closing
    )
    return len(tasks)


@receiver(ratings_imported, dispatch_uid="coverage.close_tasks_on_import")
def close_tasks_on_import(sender: Any, rating_ids: list[int], **kwargs: Any) -> None:
    tasks_close_on_import(rating_ids)
