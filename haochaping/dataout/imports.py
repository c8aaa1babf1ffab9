"""Bulk-imported ratings reach the outbox too, exactly once.

The ratings importer's PostgreSQL fast path writes ratings with INSERT ... SELECT (no post_save,
so ``receivers.on_rating_saved`` does not run) and sends ``ratings_imported`` once per chunk,
inside the chunk's transaction. Taking a snapshot of 20,000 ratings there would cost the import
more than the import itself, so the receiver only queues one job per chunk, in the chunk's
transaction (the job row commits with the ratings or not at all). The job writes the outbox rows
in batches, one multi-row ``INSERT ... ON CONFLICT DO NOTHING`` each, with the same snapshot as
``on_rating_saved`` (``records.rating_record``).

Exactly once: ``OutboxMessage`` is unique per (topic, source id) and per record id, and rows
that exist already are skipped; a job run twice (the queue runs a job at least once), a rating
queued first by a rectification result (``receivers._ensure_rating_queued``) or by the daily
backfill (``reconcile.backfill_ratings``) therefore never gives a second message.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django_tasks import task

from haochaping.core.clock import now as clock_now
from haochaping.dataout import records
from haochaping.dataout.conf import dataout_setting
from haochaping.dataout.enums import Topic
from haochaping.dataout.models import OutboxMessage
from haochaping.dataout.services import _kick_on_commit, outbox_message
from haochaping.jobs.retry import retry_policy
from haochaping.ratings.events import id_runs, ids_of_runs, ratings_imported

BATCH = 500


def outbox_enqueue_ratings(rating_ids: list[int]) -> int:
    """Queue a rating message for each of these ratings that has none; returns how many."""
    from haochaping.ratings.models import Rating

    if not dataout_setting("ENABLED"):
        return 0
    queued = 0
    ids = sorted(rating_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with transaction.atomic():
            now = clock_now()
            existing = OutboxMessage.objects.filter(topic=Topic.RATING, source_id__in=batch).values(
                "source_id"
            )
            ratings = (
                Rating.objects.filter(pk__in=batch)
                .exclude(pk__in=existing)
                .select_related("case__item", "unit__region", "staff")
                .order_by("pk")
            )
            messages = [
                outbox_message(Topic.RATING, rating.pk, records.rating_record(rating), now)
                for rating in ratings
            ]
            if messages:
                # A concurrent writer may have queued one meanwhile: the unique keys skip it.
                OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
                queued += len(messages)
                _kick_on_commit()
    return queued


@task()
@retry_policy(max_attempts=5, base_delay=60)
def outbox_enqueue_imported(runs: list[list[int]]) -> int:
    return outbox_enqueue_ratings(ids_of_runs(runs))


@receiver(ratings_imported, dispatch_uid="dataout.enqueue_imported")
def enqueue_imported(sender: Any, rating_ids: list[int], **kwargs: Any) -> None:
    if dataout_setting("ENABLED") and rating_ids:
        outbox_enqueue_imported.enqueue(id_runs(rating_ids))
