"""Background entry points of the jobs app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.core.clock import now as clock_now
from haochaping.jobs.deadlines import run_deadline_sweep
from haochaping.jobs.models import PeriodicRun, WorkerHeartbeat
from haochaping.jobs.retry import retry_policy


@task()
@retry_policy(max_attempts=1)  # the next minute's sweep is the retry
def deadline_sweep() -> dict[str, int]:
    return run_deadline_sweep().as_dict()


@task()
def prune_job_results() -> dict[str, int]:
    now = clock_now()
    done, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - dt.timedelta(days=14)
    ).delete()
    parked, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__lt=now - dt.timedelta(days=90)
    ).delete()
    runs, _ = PeriodicRun.objects.filter(enqueued_at__lt=now - dt.timedelta(days=90)).delete()
    # Workers that vanished (kill -9, machine gone) a day ago: their jobs were recovered long since.
    gone, _ = WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()
    return {"successful": done, "parked": parked, "periodic_runs": runs, "workers": gone}


@task()
def noop() -> None:
    """A job that does nothing: the throughput bench (bench/jobs_throughput.py) measures with it."""
