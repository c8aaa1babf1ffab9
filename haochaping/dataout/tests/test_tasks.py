"""The periodic entries point at real tasks; a commit with outbox rows queues one drain job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from haochaping.core.clock import LOCAL_TZ
from haochaping.dataout import services, tasks
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


@pytest.mark.django_db(transaction=True)
def test_commits_within_the_window_share_one_job_that_cannot_start_before_them(
    org_tree, settings, time_machine
):
    # given: one coalescing window of 2 s
    settings.HAOCHAPING_DATAOUT = {
        **settings.HAOCHAPING_DATAOUT,
        "KICK_JOB": True,
        "KICK_COALESCE_SECONDS": 2.0,
    }
    time_machine.move_to("2026-11-30 10:00:00+08:00", tick=False)
    # when: commits at 0 s and 1.5 s, then at 2.5 s
    rate(org_tree)
    time_machine.move_to("2026-11-30 10:00:01.5+08:00", tick=False)
    with CaptureQueriesContext(connection) as kick_free:
        rate(org_tree)
    time_machine.move_to("2026-11-30 10:00:02.5+08:00", tick=False)
    rate(org_tree)

    # then: one job due at the end of each window; the second commit did not look jobs up
    due = [
        r.run_after.astimezone(LOCAL_TZ).strftime("%H:%M:%S.%f")
        for r in DBTaskResult.objects.filter(task_path=tasks.DRAIN_TASK_PATH).order_by("run_after")
    ]
    assert due == ["10:00:02.000000", "10:00:04.500000"]
    assert not [q for q in kick_free.captured_queries if "dbtaskresult" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_another_process_job_due_later_is_reused(org_tree, settings, time_machine):
    # given: a drain job another server process queued, due 1.5 s from now (window 2 s)
    settings.HAOCHAPING_DATAOUT = {
        **settings.HAOCHAPING_DATAOUT,
        "KICK_JOB": True,
        "KICK_COALESCE_SECONDS": 2.0,
    }
    time_machine.move_to("2026-11-30 10:00:00+08:00", tick=False)
    covered = tasks.outbox_drain_queued_or_enqueue(coalesce_seconds=2.0)
    time_machine.move_to("2026-11-30 10:00:00.5+08:00", tick=False)

    # when: this process commits a rating
    rate(org_tree)

    # then: no second job; this process counts on the waiting one until it is due
    assert DBTaskResult.objects.filter(task_path=tasks.DRAIN_TASK_PATH).count() == 1
    assert services._kick_covered_until == covered
    assert covered == dt.datetime(2026, 11, 30, 2, 0, 2, tzinfo=dt.UTC).timestamp()


@pytest.mark.django_db(transaction=True)
def test_without_a_window_every_commit_finds_or_queues_a_job_due_at_once(org_tree, settings):
    settings.HAOCHAPING_DATAOUT = {
        **settings.HAOCHAPING_DATAOUT,
        "KICK_JOB": True,
        "KICK_COALESCE_SECONDS": 0,
    }

    rate(org_tree)
    rate(org_tree)

    queued = DBTaskResult.objects.filter(task_path=tasks.DRAIN_TASK_PATH).get()
    assert queued.run_after == get_date_max()  # due at once
    assert services._kick_covered_until == 0.0


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
