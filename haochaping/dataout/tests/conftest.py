"""Fixtures: the fake regional platform (a real HTTP server on loopback), ratings and
rectification results reached through the real services, relay subprocesses."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from haochaping.core.clock import LOCAL_TZ, now
from haochaping.dataout.fakeplatform import FakePlatform
from haochaping.dataout.services import kick_forget
from haochaping.ratings.enums import Channel, Level, Stage
from haochaping.ratings.services import rating_submit
from haochaping.testing.builders import make_case

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class PlatformClient:
    """Talks to a fake platform's control endpoints and reads its store."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, path: str, data: Any = None) -> Any:
        body = json.dumps(data).encode() if data is not None else None
        req = urllib.request.Request(self.url + path, data=body, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
            return json.loads(resp.read())

    def control(self, **settings: Any) -> Any:
        return self._call("POST", "/_control", settings)

    def reset(self, *, data: bool = False) -> Any:
        return self._call("POST", "/_control/reset", {"data": data})

    def stats(self) -> dict[str, int]:
        return self._call("GET", "/_control")["stats"]

    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "/_records" + (f"?type={kind}" if kind else ""))["records"]


@pytest.fixture
def platform(tmp_path, settings):
    """A fake platform in a thread of this process, and the settings pointing at it."""
    server = FakePlatform("127.0.0.1", 0, data_dir=tmp_path / "platform")
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    settings.HAOCHAPING_DATAOUT = {
        **settings.HAOCHAPING_DATAOUT,
        "PLATFORM_URL": server.url,
        "KICK_JOB": False,
        "BACKOFF_BASE_SECONDS": 10.0,
        "MAX_ATTEMPTS": 4,
        "TIMEOUT_SECONDS": 5.0,
    }
    client = PlatformClient(server.url)
    client.server = server
    yield client
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _quiet_kick(settings):
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "KICK_JOB": False}
    kick_forget()  # the job a previous test queued is gone with its database
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def completed_case(tree: Any, **overrides: Any):
    done = now() - dt.timedelta(hours=1)
    fields = {"accepted_at": done - dt.timedelta(days=2), "completed_at": done}
    fields.update(overrides)
    return make_case(tree, **fields)


def recently() -> dt.datetime:
    """Five minutes ago, but not before today's local midnight: the reconciliation tests count
    the ratings of today (Beijing time), and just after midnight five minutes ago is yesterday."""
    local_now = now().astimezone(LOCAL_TZ)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(local_now - dt.timedelta(minutes=5), midnight)


def rate(tree: Any, *, level: str = Level.SATISFIED, case: Any = None, **overrides: Any):
    """A rating through the real service (bad levels open a rectification)."""
    fields: dict[str, Any] = {
        "level": level,
        "channel": Channel.EVALUATOR,
        "assessed_at": recently(),
        "case": case or completed_case(tree),
        "stage": Stage.COMPLETION,
        "evaluator_name": "卓玛",
        "evaluator_mobile": "13912345678",
    }
    if level in Level.bad_levels():
        fields["text"] = "窗口态度生硬"
    fields.update(overrides)
    return rating_submit(**fields).rating


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    from haochaping.jobs.tests.conftest import database_url as url

    return url()


class Processes:
    """Fake-platform and relay subprocesses on the test database; stops them all."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []

    def _start(self, args: list[str], *, name: str, env: dict[str, str]) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "haochaping", *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def platform(self, port: int, data_dir: Path) -> tuple[subprocess.Popen, PlatformClient]:
        port_file = self.tmp_path / f"port-{port}"
        proc = self._start(
            [
                "fake-platform",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
                "--port-file",
                str(port_file),
            ],
            name="platform",
            env={},
        )
        deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
        while not port_file.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("the fake platform did not start\n" + self.logs())
            time.sleep(0.05)
        return proc, PlatformClient(f"http://127.0.0.1:{port}")

    def relay(self, port: int, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return self._start(
            ["dataout-relay", "--interval", "0.05", *args],
            name="relay",
            env={
                "HAOCHAPING_DATAOUT_URL": f"http://127.0.0.1:{port}",
                "HAOCHAPING_DATAOUT_KICK_JOB": "0",
                "HAOCHAPING_DATAOUT_BACKOFF_BASE_SECONDS": "0.2",
                "HAOCHAPING_DATAOUT_BACKOFF_MAX_SECONDS": "1",
                "HAOCHAPING_DATAOUT_MAX_ATTEMPTS": "1000",
                "HAOCHAPING_DATAOUT_LEASE_SECONDS": "2",
                "HAOCHAPING_DATAOUT_TIMEOUT_SECONDS": "1",
                **(env or {}),
            },
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()}" for p in sorted(self.tmp_path.glob("*.log"))
        )

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
def processes(tmp_path):
    pool = Processes(tmp_path)
    yield pool
    pool.stop_all()


def wait_for(predicate, *, timeout: float, what: str, logs=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}" + (f"\n{logs()}" if logs else ""))
