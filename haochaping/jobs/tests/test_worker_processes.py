"""Real worker processes on the test database: kill -9 recovery, two workers, two schedulers."""

from __future__ import annotations

import signal
import time

import pytest
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.jobs.models import PeriodicRun
from haochaping.jobs.tests import fixture_tasks
from haochaping.jobs.tests.conftest import probe_rows, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_job_survives_kill_9_of_its_worker_and_completes_once(probe_tables, workers):
    # given a job that runs for a minute on its first attempt
    result = fixture_tasks.slow_effect.enqueue("kill-me", first_attempt_seconds=60)
    first = workers.start("--no-scheduler")
    wait_for(
        lambda: probe_rows("SELECT pid FROM jobs_probe_run WHERE job_key = 'kill-me'"),
        timeout=30,
        what="the first attempt to start",
        logs=workers.logs,
    )
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING

    # when its worker is killed mid-run and another worker comes up
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    workers.start("--no-scheduler")
    row = wait_for(
        lambda: DBTaskResult.objects.filter(
            pk=result.id, status=TaskResultStatus.SUCCESSFUL
        ).first(),
        timeout=40,
        what="the job to complete on the second worker",
        logs=workers.logs,
    )
    time.sleep(1.5)  # a double run would have time to show

    # then it ran twice (the killed attempt and the recovered one) but completed once
    runs = probe_rows(
        "SELECT pid, attempt FROM jobs_probe_run WHERE job_key = 'kill-me' ORDER BY attempt"
    )
    effects = probe_rows("SELECT job_key, pid FROM jobs_probe_effect")
    assert [attempt for _pid, attempt in runs] == [1, 2]
    assert runs[0][0] == first.pid
    assert effects == [("kill-me", runs[1][0])]
    assert len(row.worker_ids) == 2
    assert row.return_value == "kill-me"
    assert (
        f"Worker {row.worker_ids[0]} stopped while running this job (attempt 1 of 3)"
        in workers.logs()
    )


def test_two_workers_never_run_the_same_job_twice(probe_tables, workers):
    # given 60 jobs of 100 ms each (long enough for both workers to start)
    keys = [f"job-{n:03d}" for n in range(60)]
    results = [fixture_tasks.record_effect.enqueue(key, seconds=0.1) for key in keys]

    # when two workers drain the queue and exit
    procs = [workers.start("--batch", "--no-scheduler"), workers.start("--batch", "--no-scheduler")]
    for proc in procs:
        assert proc.wait(timeout=90) == 0, workers.logs()

    # then every job ran exactly once and both workers took part
    runs = probe_rows(
        "SELECT job_key, COUNT(*) FROM jobs_probe_run GROUP BY job_key ORDER BY job_key"
    )
    assert runs == [(key, 1) for key in keys]
    assert probe_rows("SELECT COUNT(*) FROM jobs_probe_effect") == [(60,)]
    pids = {pid for (pid,) in probe_rows("SELECT DISTINCT pid FROM jobs_probe_run")}
    assert pids == {proc.pid for proc in procs}
    statuses = set(
        DBTaskResult.objects.filter(pk__in=[r.id for r in results]).values_list("status", flat=True)
    )
    assert statuses == {TaskResultStatus.SUCCESSFUL}


def test_a_periodic_job_runs_once_per_period_with_two_schedulers_alive(probe_tables, workers):
    # given two workers, each with its scheduler, and a job due every 2 seconds
    env = {"HAOCHAPING_JOBS_EXTRA_PERIODIC": "haochaping.jobs.tests.fixture_tasks.PERIODIC"}
    workers.start(env=env)
    workers.start(env=env)

    # when they run for several periods
    wait_for(
        lambda: PeriodicRun.objects.filter(name="probe-every-2s").count() >= 4,
        timeout=40,
        what="four periods",
        logs=workers.logs,
    )
    workers.stop_all()

    # then each period was enqueued once and executed once
    periods = list(
        PeriodicRun.objects.filter(name="probe-every-2s").values_list("period_key", flat=True)
    )
    assert len(periods) == len(set(periods)) >= 4
    runs = probe_rows("SELECT job_key, COUNT(*) FROM jobs_probe_run GROUP BY job_key")
    assert all(count == 1 for _key, count in runs)
    assert {key for key, _count in runs} <= {f"period:{p}" for p in periods}
    assert len(runs) >= 3
    # and both schedulers were alive: each logged its start
    assert workers.logs().count("Starting worker") == 2


def test_claiming_uses_skip_locked_on_postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SKIP LOCKED is PostgreSQL's; SQLite serialises claims with an exclusive transaction"
        )
    from django.test.utils import CaptureQueriesContext

    from haochaping.jobs.worker import JobWorker

    fixture_tasks.flaky_job.enqueue("sql", failures=0)
    worker = JobWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="sql-probe",
        excluded_queue_names=[],
    )
    with CaptureQueriesContext(connection) as queries:
        worker.run()
    claims = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert claims and all("FOR UPDATE SKIP LOCKED" in sql for sql in claims)
