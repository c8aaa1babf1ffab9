"""Jobs used by the tests, importable by worker subprocesses.

They record what they do in two plain tables the tests create (``jobs_probe_run``: one row per
execution, no constraint, so a double run shows as two rows; ``jobs_probe_effect``: the job's
effect under a unique key, written in one transaction with nothing else).
"""

from __future__ import annotations

import os
import time

from django.db import connection, transaction
from django_tasks import task
from django_tasks.base import TaskContext

from haochaping.core.clock import now as clock_now
from haochaping.jobs.periodic import Every, PeriodicJob
from haochaping.jobs.retry import PermanentJobError, retry_policy

CREATE_SQL = [
    "CREATE TABLE IF NOT EXISTS jobs_probe_run (job_key VARCHAR(100) NOT NULL, "
    "pid INTEGER NOT NULL, attempt INTEGER NOT NULL, at VARCHAR(40) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs_probe_effect (job_key VARCHAR(100) PRIMARY KEY, pid INTEGER NOT NULL)",
]
DROP_SQL = ["DROP TABLE IF EXISTS jobs_probe_run", "DROP TABLE IF EXISTS jobs_probe_effect"]

# In-process calls of flaky_job, by key (subprocess workers use the tables instead).
CALLS: dict[str, int] = {}


def _record_run(key: str, attempt: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO jobs_probe_run (job_key, pid, attempt, at) VALUES (%s, %s, %s, %s)",
            [key, os.getpid(), attempt, clock_now().isoformat()],
        )


def _record_effect(key: str) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO jobs_probe_effect (job_key, pid) VALUES (%s, %s)", [key, os.getpid()]
        )


@task(takes_context=True)
@retry_policy(max_attempts=3, base_delay=0)
def slow_effect(context: TaskContext, key: str, first_attempt_seconds: float) -> str:
    """Runs long on its first attempt (to be killed), quickly afterwards; records its effect."""
    _record_run(key, context.attempt)
    if context.attempt == 1:
        time.sleep(first_attempt_seconds)
    _record_effect(key)
    return key


@task(takes_context=True)
def record_effect(context: TaskContext, key: str, seconds: float = 0.0) -> str:
    _record_run(key, context.attempt)
    if seconds:
        time.sleep(seconds)
    _record_effect(key)
    return key


@task()
def record_period(period: str) -> str:
    _record_run(f"period:{period}", 1)
    _record_effect(f"period:{period}")
    return period


@task(takes_context=True)
@retry_policy(max_attempts=3, base_delay=30, max_delay=100)
def flaky_job(context: TaskContext, key: str, failures: int) -> str:
    CALLS[key] = CALLS.get(key, 0) + 1
    if context.attempt <= failures:
        raise RuntimeError(f"attempt {context.attempt} failed")
    return f"done after {context.attempt}"


@task()
def broken_job() -> None:
    raise PermanentJobError("the rating no longer exists")


PERIODIC = [
    PeriodicJob(
        "probe-every-2s",
        Every(2),
        "haochaping.jobs.tests.fixture_tasks.record_period",
        pass_period=True,
    )
]


def _missing_periodic():
    from haochaping.jobs.periodic import Every, PeriodicJob

    return [PeriodicJob("site-report", Every(3600), "haochaping.nowhere.tasks.gone")]


# A site's extra periodic job whose task does not exist (HAOCHAPING_JOBS["EXTRA_PERIODIC"]).
MISSING_PERIODIC = _missing_periodic()
