"""``haochaping jobs status`` and ``haochaping jobs run``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from haochaping.jobs.tests import fixture_tasks

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_status_prints_queues_and_periodic_jobs_as_json():
    fixture_tasks.flaky_job.enqueue("a", failures=0)
    status = json.loads(run("status"))
    assert status["queues"][0]["queue"] == "default"
    assert status["queues"][0]["ready"] == 1
    assert {
        "name": "deadline-sweep",
        "schedule": "every 1 min",
        "task_missing": False,
        "last_period": None,
    } in status["periodic"]


def test_run_enqueues_a_periodic_job_now():
    out = run("run", "deadline-sweep")
    job = DBTaskResult.objects.get()
    assert out == f"deadline-sweep enqueued as job {job.id}\n"
    assert job.task_path == "haochaping.jobs.tasks.deadline_sweep"


def test_run_passes_the_period(settings):
    settings.HAOCHAPING_JOBS = {"EXTRA_PERIODIC": "haochaping.jobs.tests.fixture_tasks.PERIODIC"}
    run("run", "probe-every-2s", "--period", "2026-11")
    assert DBTaskResult.objects.get().args_kwargs == {"args": [], "kwargs": {"period": "2026-11"}}
    with pytest.raises(CommandError, match="probe-every-2s needs --period"):
        run("run", "probe-every-2s")


def test_run_refuses_unknown_and_missing_jobs(settings):
    settings.HAOCHAPING_JOBS = {"EXTRA_PERIODIC": "haochaping.jobs.tests.test_scheduler.BROKEN"}
    with pytest.raises(CommandError) as unknown:
        run("run", "nope")
    assert str(unknown.value).startswith("unknown periodic job 'nope'; known: ")
    assert "deadline-sweep, " in str(unknown.value)
    with pytest.raises(CommandError) as missing:
        run("run", "nowhere-job")
    assert str(missing.value).startswith(
        "nowhere-job: task haochaping.nowhere.tasks.job cannot be imported (No module named "
    )
