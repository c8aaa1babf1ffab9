"""Bulk-imported ratings (no post_save) reach the outbox through one job per chunk, exactly once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.core import crypto
from haochaping.dataout import records, services
from haochaping.dataout.enums import Topic
from haochaping.dataout.imports import outbox_enqueue_imported, outbox_enqueue_ratings
from haochaping.dataout.models import OutboxMessage
from haochaping.ratings.events import id_runs
from haochaping.ratings.models import Rating
from haochaping.ratings.tests.helpers import completed_case, imported_ratings

pytestmark = pytest.mark.django_db

JOB = "haochaping.dataout.imports.outbox_enqueue_imported"


def test_a_chunk_queues_one_job_that_writes_one_message_per_rating(org_tree):
    # given: a chunk of three imported ratings
    cases = [completed_case(org_tree) for _i in range(3)]
    ids = imported_ratings(cases, evaluator_mobile="13900000001")
    assert not OutboxMessage.objects.exists()  # nothing in the import's own transaction
    job = DBTaskResult.objects.get(task_path=JOB)
    assert (job.status, job.args_kwargs["args"]) == (TaskResultStatus.READY, [id_runs(ids)])
    # when: the job runs
    queued = outbox_enqueue_imported.call(*job.args_kwargs["args"])
    # then: one message each, with the snapshot rating_submit's receiver would have taken
    assert queued == 3
    messages = {m.source_id: m for m in OutboxMessage.objects.filter(topic=Topic.RATING)}
    assert sorted(messages) == sorted(ids)
    for rating in Rating.objects.filter(pk__in=ids):
        record_id, key, occurred_at, payload = records.rating_record(rating)
        m = messages[rating.pk]
        assert (m.record_id, m.aggregate_key, m.occurred_at, m.payload) == (
            record_id,
            key,
            occurred_at,
            payload,
        )
    stored = messages[ids[0]].payload["evaluator_mobile"]
    assert stored != "13900000001" and crypto.decrypt(stored) == "13900000001"


def test_messages_queued_otherwise_are_not_queued_again(org_tree):
    # given: one rating of the chunk already queued (as a rectification result queues it first)
    cases = [completed_case(org_tree) for _i in range(2)]
    ids = imported_ratings(cases)
    first = Rating.objects.get(pk=ids[0])
    with transaction.atomic():
        services.outbox_enqueue(
            topic=Topic.RATING, source_id=first.pk, record=records.rating_record(first)
        )
    # when: the job runs, and runs again (a job is run at least once)
    assert outbox_enqueue_ratings(ids) == 1
    assert outbox_enqueue_ratings(ids) == 0
    # then
    assert sorted(
        OutboxMessage.objects.filter(topic=Topic.RATING).values_list("source_id", flat=True)
    ) == sorted(ids)


def test_nothing_is_queued_while_the_push_is_off(org_tree, settings):
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "ENABLED": False}
    ids = imported_ratings([completed_case(org_tree)])
    assert not DBTaskResult.objects.filter(task_path=JOB).exists()
    assert outbox_enqueue_ratings(ids) == 0
