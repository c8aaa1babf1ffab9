"""Fixtures for tests that run real worker processes against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from haochaping.jobs.tests import fixture_tasks

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def probe_tables(transactional_db):
    with connection.cursor() as cur:
        for sql in fixture_tasks.CREATE_SQL:
            cur.execute(sql)
    yield
    with connection.cursor() as cur:
        for sql in fixture_tasks.DROP_SQL:
            cur.execute(sql)


def probe_rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


class Workers:
    """Start ``python -m haochaping worker`` subprocesses on the test database; stop them all."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "HAOCHAPING_JOBS_LEASE_SECONDS": "2",
            "HAOCHAPING_JOBS_HEARTBEAT_SECONDS": "0.5",
            "HAOCHAPING_JOBS_RECOVER_SECONDS": "0.5",
            **(env or {}),
        }
        log = (self.tmp_path / f"worker-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haochaping",
                "worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                *args,
            ],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


def wait_for(predicate, *, timeout: float, what: str, logs=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(
        f"timed out waiting for {what}" + (f"\n--- worker logs ---\n{logs()}" if logs else "")
    )
