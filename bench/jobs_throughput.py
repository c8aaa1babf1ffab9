"""Jobs per second of ONE worker on PostgreSQL, against a baseline measured in the same run.

    .venv/bin/python bench/jobs_throughput.py [--jobs 2000] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database (``haochaping_bench_jobs``), migrates it, then prints JSON lines:

- ``baseline_insert``: N single-row INSERTs, each its own committed transaction, from this
  process: the floor cost of "one durable write per job" on this server;
- ``enqueue``: N ``noop.enqueue()`` calls (what a service pays to queue a job);
- ``worker``: one ``haochaping worker --batch --no-scheduler`` process draining the N no-op jobs;
  ``jobs_per_s`` is N over first start to last finish (from the job rows, so Django's start-up is
  not counted); ``wall_s`` includes start-up.
The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "haochaping_bench_jobs"


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    n = args.jobs

    import psycopg

    parts = urlsplit(args.admin_url)
    bench_url = urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": bench_url, "HAOCHAPING_LOG_LEVEL": "WARNING"}
    try:
        subprocess.run(
            [sys.executable, "-m", "haochaping", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection
        from django.db.models import Max, Min
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from haochaping.jobs.tasks import noop

        server = connection.cursor().connection.info.parameter_status("server_version")
        emit(bench="jobs_throughput", jobs=n, postgresql=server, python=sys.version.split()[0])

        with connection.cursor() as cur:
            cur.execute(
                "CREATE TABLE bench_noop (id bigserial PRIMARY KEY, payload jsonb NOT NULL)"
            )
            start = time.perf_counter()
            for i in range(n):
                cur.execute("INSERT INTO bench_noop (payload) VALUES (%s)", [json.dumps({"i": i})])
            elapsed = time.perf_counter() - start
        emit(step="baseline_insert", n=n, seconds=round(elapsed, 3), per_s=round(n / elapsed, 1))

        start = time.perf_counter()
        for _ in range(n):
            noop.enqueue()
        elapsed = time.perf_counter() - start
        emit(step="enqueue", n=n, seconds=round(elapsed, 3), per_s=round(n / elapsed, 1))
        connection.close()

        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "haochaping",
                "worker",
                "--batch",
                "--no-scheduler",
                "--no-startup-delay",
                "--interval",
                "0",
                "-v0",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        wall = time.perf_counter() - start
        done = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count()
        span = DBTaskResult.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
        busy = (span["last"] - span["first"]).total_seconds()
        emit(
            step="worker",
            n=n,
            succeeded=done,
            seconds=round(busy, 3),
            jobs_per_s=round(done / busy, 1),
            wall_s=round(wall, 3),
        )
        connection.close()
    finally:
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
