import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def run_cli(*args, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "haochaping", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_help_lists_the_product_commands():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for command in ["serve", "demo", "seed-demo", "migrate", "worker"]:
        assert f"  {command} " in result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_real_http_with_gunicorn_and_a_worker(tmp_path: Path):
    # given: a fresh embedded database in a temporary data directory
    env = {**os.environ, "HAOCHAPING_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    assert run_cli("migrate", "-v0", env=env).returncode == 0
    port = _free_port()
    # when
    proc = subprocess.Popen(
        [sys.executable, "-m", "haochaping", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        # then
        assert body == '{"status": "ok", "database": "ok", "queue": "ok", "workers": "ok"}'
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as resp:
            assert resp.status == 200
            assert "gunicorn" in resp.headers.get("Server", "")
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    assert "Serving at" in out
