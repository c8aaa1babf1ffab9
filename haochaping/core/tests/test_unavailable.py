"""A database that cannot be reached answers 503 with Retry-After, not 500 (core/unavailable.py).

End to end: gunicorn serving the project with a DATABASE_URL that points at a closed port
(PostgreSQL) or into a missing directory (SQLite). The classification is checked on real errors
of real connections: a closed port, a cancelled statement, a missing table, a locked SQLite file.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SqliteWrapper

from haochaping.core.unavailable import RETRY_AFTER_SECONDS, is_unavailable

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


@pytest.fixture(
    params=[
        "postgres://postgres@127.0.0.1:{port}/haochaping",
        "sqlite:///{tmp}/missing/db.sqlite3",
    ],
    ids=["postgresql", "sqlite"],
)
def dead_server(request, tmp_path):
    """gunicorn with a database that is not there; yields its base URL."""
    dead = request.param.format(port=_free_port(), tmp=tmp_path)
    env = {**os.environ, "DATABASE_URL": dead, "HAOCHAPING_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "haochaping.wsgi:application",
            "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_the_signed_api_answers_503_json_with_retry_after(dead_server):
    status, headers, body = _get(
        f"{dead_server}/api/v1/cases/PN-1",
        **{
            "X-HCP-App": "app-1",
            "X-HCP-Timestamp": str(int(time.time())),
            "X-HCP-Nonce": "n" * 24,
            "X-HCP-Signature": "0" * 64,
        },
    )
    assert status == 503, body
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    assert answer["code"] == "unavailable"
    assert answer["extra"] == {"retry_after": RETRY_AFTER_SECONDS}
    assert answer["message"]


@pytest.mark.slow
def test_a_page_answers_a_plain_503_page(dead_server):
    status, headers, body = _get(f"{dead_server}/public/", **{"Accept-Language": "bo"})
    assert status == 503
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert headers["Content-Type"].startswith("text/html")
    assert "服务暂时不可用" in body
    assert "Service temporarily unavailable" in body


def _raised(call) -> BaseException:
    with pytest.raises(Exception) as info:  # the type is what the caller checks
        call()
    return info.value


@pytest.mark.django_db  # lets pytest-django open connections at all
def test_a_closed_postgresql_port_is_unavailable():
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": _free_port(),
        "NAME": "haochaping",
        "USER": "postgres",
        "PASSWORD": "",
        "OPTIONS": {"connect_timeout": 5},
    }
    dead = DatabaseWrapper(settings_dict, alias="dead")
    exc = _raised(dead.ensure_connection)
    assert isinstance(exc, OperationalError)
    assert is_unavailable(exc)


@pytest.mark.django_db  # lets pytest-django open connections at all
def test_a_missing_sqlite_directory_is_unavailable(tmp_path):
    dead = SqliteWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3",
                          "NAME": str(tmp_path / "missing" / "db.sqlite3"), "OPTIONS": {}},
                         alias="dead")  # fmt: skip
    exc = _raised(dead.ensure_connection)
    assert isinstance(exc, OperationalError)
    assert is_unavailable(exc)


@pytest.mark.django_db  # lets pytest-django open connections at all
def test_a_locked_sqlite_file_is_retryable(tmp_path):
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    waiting = SqliteWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3",
                             "NAME": str(path), "OPTIONS": {"timeout": 0.1}}, alias="waiting")  # fmt: skip
    try:

        def write():
            with waiting.cursor() as cur:
                cur.execute("INSERT INTO t VALUES (1)")

        exc = _raised(write)
    finally:
        waiting.close()
        holder.close()
    assert isinstance(exc, OperationalError)
    assert is_unavailable(exc)


@pytest.mark.django_db
def test_other_database_errors_stay_500():
    if connection.vendor == "postgresql":

        def fail():
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL statement_timeout = 1")
                cur.execute("SELECT pg_sleep(1)")  # cancelled: SQLSTATE 57014

    else:

        def fail():
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT * FROM no_such_table")

    exc = _raised(fail)
    assert isinstance(exc, OperationalError)
    assert not is_unavailable(exc)
    assert not is_unavailable(ValueError("no database at all"))
