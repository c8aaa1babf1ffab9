"""Retry with backoff, then park; recovery of jobs whose worker vanished (in-process worker)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.core.clock import now
from haochaping.jobs.models import WorkerHeartbeat
from haochaping.jobs.recovery import heartbeat_beat, recover_lost_jobs
from haochaping.jobs.retry import RetryPolicy, retry_policy
from haochaping.jobs.tests import fixture_tasks
from haochaping.jobs.worker import JobWorker

# The real worker loop calls close_old_connections(), which closes a connection held in a
# test transaction: these tests commit for real (transactional_db).
pytestmark = pytest.mark.django_db(transaction=True)
T0 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def run_worker_once(worker_id: str = "w-test") -> None:
    JobWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def test_backoff_doubles_up_to_the_cap():
    policy = RetryPolicy(max_attempts=6, base_delay=30, max_delay=100)
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 100, 100, 100]


def test_retry_policy_refuses_zero_attempts():
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        retry_policy(max_attempts=0)


def test_a_failing_job_is_retried_with_backoff_then_succeeds():
    # given a job that fails on its first two attempts
    with time_machine.travel(T0, tick=False):
        result = fixture_tasks.flaky_job.enqueue("twice", failures=2)
        # when a worker runs it
        run_worker_once()
        row = DBTaskResult.objects.get(pk=result.id)
        # then it waits 30 s with its error kept
        assert row.status == TaskResultStatus.READY
        assert row.run_after == T0 + dt.timedelta(seconds=30)
        assert row.exception_class_path == "builtins.RuntimeError"
        assert "RuntimeError: attempt 1 failed" in row.traceback
        run_worker_once()  # not due yet: nothing runs
        assert fixture_tasks.CALLS["twice"] == 1
    with time_machine.travel(T0 + dt.timedelta(seconds=31), tick=False):
        run_worker_once()
        row.refresh_from_db()
        assert row.status == TaskResultStatus.READY
        assert row.run_after == T0 + dt.timedelta(seconds=31 + 60)
    with time_machine.travel(T0 + dt.timedelta(seconds=92), tick=False):
        run_worker_once()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "done after 3"
    assert len(row.worker_ids) == 3


def test_a_job_failing_every_attempt_is_parked_with_its_error():
    with time_machine.travel(T0, tick=False) as traveller:
        result = fixture_tasks.flaky_job.enqueue("always", failures=99)
        for _ in range(3):
            run_worker_once()
            traveller.shift(dt.timedelta(minutes=5))
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 3
    assert "RuntimeError: attempt 3 failed" in row.traceback


def test_a_permanent_error_parks_at_once():
    result = fixture_tasks.broken_job.enqueue()
    run_worker_once()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "haochaping.jobs.retry.PermanentJobError"
    assert len(row.worker_ids) == 1


def _claim_as(worker_id: str, result_id) -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=result_id)
    row.claim(worker_id)
    return row


def test_a_running_job_of_a_silent_worker_is_requeued_after_the_lease(settings):
    settings.HAOCHAPING_JOBS = {"LEASE_SECONDS": 60}
    with time_machine.travel(T0, tick=False) as traveller:
        # given a job claimed by a worker that then stops beating
        heartbeat_beat(worker_id="dead")
        result = fixture_tasks.flaky_job.enqueue("lost", failures=0)
        _claim_as("dead", result.id)
        # when the lease has not expired yet, nothing happens
        traveller.shift(dt.timedelta(seconds=59))
        assert recover_lost_jobs() == []
        # when it has
        traveller.shift(dt.timedelta(seconds=2))
        assert recover_lost_jobs() == [str(result.id)]
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.READY
        assert row.run_after == now()
        assert row.exception_class_path == "haochaping.jobs.retry.WorkerLost"
        assert row.traceback.startswith(
            "Worker dead stopped while running this job (attempt 1 of 3)"
        )
        # and a live worker runs it
        run_worker_once("alive")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["dead", "alive"]


def test_a_long_job_of_a_beating_worker_is_left_alone(settings):
    settings.HAOCHAPING_JOBS = {"LEASE_SECONDS": 60}
    with time_machine.travel(T0, tick=False) as traveller:
        result = fixture_tasks.flaky_job.enqueue("long", failures=0)
        _claim_as("busy", result.id)
        for _ in range(5):
            traveller.shift(dt.timedelta(seconds=50))
            heartbeat_beat(worker_id="busy")
            assert recover_lost_jobs() == []
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING
    assert WorkerHeartbeat.objects.get(worker_id="busy").beat_at == T0 + dt.timedelta(seconds=250)


def test_a_job_that_keeps_killing_its_workers_is_parked(settings):
    settings.HAOCHAPING_JOBS = {"LEASE_SECONDS": 60}
    with time_machine.travel(T0, tick=False) as traveller:
        result = fixture_tasks.flaky_job.enqueue("poison", failures=0)
        for n in range(3):
            _claim_as(f"victim-{n}", result.id)
            traveller.shift(dt.timedelta(seconds=61))
            recover_lost_jobs()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.traceback.startswith(
        "Worker victim-2 stopped while running this job (attempt 3 of 3)"
    )
