"""`haochaping serve --production` for real: gunicorn and a background worker on the test
database, /healthz, /metrics summed across workers, JSON logs with the request id, and a graceful
stop on SIGTERM that finishes a request in flight (a hall tablet's long poll)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connections
from prometheus_client.parser import text_string_to_metric_families

from haochaping.accounts.enums import Role
from haochaping.channels.services import device_create, device_pair
from haochaping.core.tests.test_cli import _free_port
from haochaping.core.tests.test_deploy_files import nginx_binary, nginx_config
from haochaping.testing.builders import make_user


def _database_url() -> str:
    """The test database, as the server's DATABASE_URL."""
    s = connections["default"].settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _fetch(conn: http.client.HTTPConnection, path: str, headers: dict | None):
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def _get(port: int, path: str, headers: dict | None = None, timeout: float = 10):
    return _fetch(http.client.HTTPConnection("127.0.0.1", port, timeout=timeout), path, headers)


def _requests_counted(port: int) -> float:
    status, _headers, body = _get(port, "/metrics")
    assert status == 200, body
    total = 0.0
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if (
                s.name == "haochaping_http_requests_total"
                and s.labels["view"] == "core:healthz"
                and s.labels["status"] == "200"
            ):
                total += s.value
    return total


def _json_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # the system-check banner is not JSON
    return lines


def _https(port: int, path: str, headers: dict | None = None, *, cafile: Path):
    context = ssl.create_default_context(cafile=str(cafile))
    context.check_hostname = False  # the test certificate names hcp.example.gov.cn
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    return _fetch(conn, path, headers)


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert proc.poll() is None, log.read_text() if log.exists() else "nginx exited"
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _through_nginx(directory: Path, upstream: int) -> None:
    """deploy/nginx/haochaping.conf in front of the server: the proxy headers agree with the
    production settings (HTTPS seen as HTTPS, plain HTTP redirected), /metrics is not public, the
    request id is passed on and logged by both, static files come from nginx."""
    nginx = nginx_binary()
    if nginx is None:
        return  # test_deploy_files.py says it skipped; the rest of this test still runs
    directory.mkdir()
    http_port, https_port = _free_port(), _free_port()
    config = nginx_config(directory, upstream=upstream, http_port=http_port, https_port=https_port)
    (directory / "static" / "probe.txt").write_text("static from nginx", encoding="utf-8")
    log = directory / "logs" / "error.log"
    proc = subprocess.Popen(
        [nginx, "-p", str(directory), "-e", str(log), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cafile = directory / "tls" / "fullchain.pem"
    try:
        _wait_for_port(https_port, proc, log)
        status, headers, _body = _https(https_port, "/accounts/login/", cafile=cafile)
        assert status == 200, (status, headers)
        assert "max-age=31536000" in headers["Strict-Transport-Security"]  # seen as HTTPS
        request_id = headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
        status, headers, _body = _get(http_port, "/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://")
        status, _headers, body = _get(http_port, "/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, headers, _body = _https(
            https_port, "/healthz", {"X-Request-ID": "lb-request-0002"}, cafile=cafile
        )
        assert status == 200 and headers["X-Request-ID"] == "lb-request-0002"
        assert _https(https_port, "/metrics", cafile=cafile)[0] == 404
        status, _headers, body = _https(https_port, "/static/probe.txt", cafile=cafile)
        assert (status, body) == (200, "static from nginx")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    nginx_log = [
        json.loads(line)
        for line in (directory / "logs" / "haochaping.access.log").read_text().splitlines()
    ]
    assert {request_id, "lb-request-0002"} <= {r["request_id"] for r in nginx_log}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_serve_production_end_to_end(tmp_path, org_tree):
    # given: a tablet paired with a window, in the test database the server will use
    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    _device, code = device_create(window=org_tree.window, name="A01", acting_user=liaison)
    _device, token = device_pair(code=code)
    skip = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PROMETHEUS_MULTIPROC_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith("HAOCHAPING_")}
    env.update(
        DATABASE_URL=_database_url(),
        HAOCHAPING_DATA_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        HAOCHAPING_DATA_KEYS="k1:" + base64.b64encode(os.urandom(32)).decode(),
        HAOCHAPING_ALLOWED_HOSTS="127.0.0.1",
        # healthy only once the background worker process has beaten
        HAOCHAPING_HEALTHZ_REQUIRE_WORKER="1",
    )
    port = _free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haochaping",
                "serve",
                "--production",
                "--port",
                str(port),
                "--workers",
                "2",
                "--graceful-timeout",
                "20",
            ],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        # when: it is up, with its worker
        body = None
        for _ in range(180):
            try:
                status, _headers, body = _get(port, "/healthz", timeout=3)
                if status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, err.read_text()[-3000:]
            time.sleep(0.5)
        # then
        assert json.loads(body or "{}") == {
            "status": "ok",
            "database": "ok",
            "queue": "ok",
            "workers": "ok",
        }, body
        _through_nginx(tmp_path / "nginx", port)
        before = _requests_counted(port)
        status, headers, _body = _get(port, "/healthz", {"X-Request-ID": "e2e-request-0001"})
        assert status == 200
        assert headers["X-Request-ID"] == "e2e-request-0001"
        assert _requests_counted(port) >= before + 1  # summed over the gunicorn workers

        # a long poll is in flight when the stop arrives
        answer: dict = {}

        def poll():
            started = time.monotonic()
            answer["status"], _h, _b = _get(
                port,
                "/tablet/poll?after=0&wait=4",
                {"Cookie": f"hcp_device={token}", "X-Forwarded-Proto": "https"},
                timeout=30,
            )
            answer["seconds"] = time.monotonic() - started

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        poller.join(timeout=40)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # the request in flight finished normally (204: no prompt within the wait), then it stopped
    assert answer.get("status") == 204, answer
    assert answer["seconds"] >= 3.5
    assert code == 0, err.read_text()[-3000:]
    app_lines = [r for r in _json_lines(err) if r.get("logger") == "haochaping.request"]
    mine = [r for r in app_lines if r.get("request_id") == "e2e-request-0001"]
    assert mine and mine[0]["path"] == "/healthz" and mine[0]["status"] == 200
    assert isinstance(mine[0]["duration_ms"], float)
    access = [r for r in _json_lines(out) if r.get("logger") == "gunicorn.access"]
    assert any(r["request_id"] == "e2e-request-0001" and r["status"] == 200 for r in access)
    assert any(r["path"] == "/tablet/poll" and r["status"] == 204 for r in access)
