"""The periodic entries point at real tasks; a commit with outbox rows queues one drain job."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.dataout import tasks
from haochaping.dataout.enums import MessageStatus
from haochaping.dataout.models import OutboxMessage
from haochaping.dataout.tests.conftest import rate
from haochaping.jobs.periodic import periodic_jobs


def test_the_registry_names_the_dataout_tasks():
    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["outbox-drain"].load_task() is tasks.outbox_drain
    assert jobs["dataout-reconcile"].load_task() is tasks.dataout_reconcile
    assert jobs["dataout-reconcile"].pass_period is True


@pytest.mark.django_db(transaction=True)
def test_committing_ratings_queues_one_drain_job(org_tree, settings):
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "KICK_JOB": True}

    with transaction.atomic():
        rate(org_tree)
        rate(org_tree)
        assert not DBTaskResult.objects.filter(
            task_path=tasks.DRAIN_TASK_PATH
        ).exists()  # not before commit
    rate(org_tree)

    queued = DBTaskResult.objects.filter(task_path=tasks.DRAIN_TASK_PATH)
    assert [r.status for r in queued] == [TaskResultStatus.READY]


@pytest.mark.django_db
def test_the_drain_task_delivers(org_tree, platform):
    rate(org_tree)

    result = tasks.outbox_drain.call()

    assert result["delivered"] == 1
    assert OutboxMessage.objects.get().status == MessageStatus.DELIVERED


@pytest.mark.django_db
def test_the_reconcile_task_takes_the_day_before_its_period(org_tree, platform):
    result = tasks.dataout_reconcile.call(period="2026-11-30")

    assert result == {
        "day": "2026-11-29",
        "results": {"rating": "match", "rating_excluded": "match", "rectification": "match"},
    }
