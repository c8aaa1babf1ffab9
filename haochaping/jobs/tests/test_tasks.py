"""The jobs app's own periodic tasks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.jobs.models import PeriodicRun, WorkerHeartbeat
from haochaping.jobs.recovery import heartbeat_beat
from haochaping.jobs.scheduler import Scheduler
from haochaping.jobs.tasks import noop, prune_job_results
from haochaping.jobs.tests import fixture_tasks

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 8, 1, 2, 0, tzinfo=dt.UTC)


def finish(result_id, *, ok: bool):
    row = DBTaskResult.objects.get(pk=result_id)
    row.claim("w")
    row.set_successful(None) if ok else row.set_failed(RuntimeError("x"))


def test_prune_keeps_recent_results_and_parked_jobs_longer(settings):
    settings.HAOCHAPING_JOBS = {"EXTRA_PERIODIC": ""}
    with time_machine.travel(T0, tick=False) as traveller:
        old_ok, old_failed = noop.enqueue(), fixture_tasks.broken_job.enqueue()
        finish(old_ok.id, ok=True)
        finish(old_failed.id, ok=False)
        heartbeat_beat(worker_id="gone")
        Scheduler("s").tick()
        traveller.shift(dt.timedelta(days=30))
        recent = noop.enqueue()
        finish(recent.id, ok=True)
        heartbeat_beat(worker_id="alive")
        assert prune_job_results.call() == {
            "successful": 1,
            "parked": 0,
            "periodic_runs": 0,
            "workers": 1,
        }
        traveller.shift(dt.timedelta(days=61))
        heartbeat_beat(worker_id="alive")
        result = prune_job_results.call()
    assert result["parked"] == 1 and result["successful"] == 1 and result["periodic_runs"] >= 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
    assert not PeriodicRun.objects.exists()
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()
