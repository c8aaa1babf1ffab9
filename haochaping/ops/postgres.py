"""PostgreSQL: pg_dump / pg_restore with the connection settings of DATABASES['default'].

The password goes to the client tools in PGPASSWORD (never on the command line, where ``ps``
would show it). ``HAOCHAPING_PG_BINDIR`` picks the client tools' directory (for example
``/usr/lib/postgresql/16/bin``) when the ones on PATH are of another major version.

The dump and the manifest see the same data: the manifest is computed in a REPEATABLE READ
transaction whose snapshot is exported (``pg_export_snapshot()``) and given to
``pg_dump --snapshot``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction

from haochaping.ops.manifest import Refusal

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
# libpq environment variables for the OPTIONS dj-database-url may carry.
_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class ToolError(Exception):
    """A client tool failed or is missing; the message says which and why."""


def tool(name: str) -> str:
    bindir = os.environ.get("HAOCHAPING_PG_BINDIR", "")
    path = str(Path(bindir) / name) if bindir else shutil.which(name)
    if not path or not Path(path).exists():
        raise ToolError(
            f"{name} not found{' in ' + bindir if bindir else ' on PATH'}: install the "
            "PostgreSQL client tools of the server's major version (Debian: "
            "postgresql-client-NN) or set HAOCHAPING_PG_BINDIR"
        )
    return path


def tool_version(name: str) -> tuple[int, str]:
    """(major, full text) of ``name --version``."""
    out = subprocess.run(  # noqa: S603 - fixed argv
        [tool(name), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    match = _VERSION_RE.search(out)
    if not match:
        raise ToolError(f"cannot read the version of {name} from {out!r}")
    return int(match[1]), out


def server_version() -> tuple[int, str]:
    connection.ensure_connection()
    number: int = connection.pg_version  # type: ignore[attr-defined]  # e.g. 150020
    major = number // 10000
    return major, f"{major}.{number % 10000}"


def _settings() -> dict:
    return connection.settings_dict


def client_env() -> dict[str, str]:
    s = _settings()
    env = {**os.environ, "PGAPPNAME": "haochaping-backup"}
    for key in ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE"):
        env.pop(key, None)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    for option, var in _OPTION_ENV.items():
        value = (s.get("OPTIONS") or {}).get(option)
        if value is not None:
            env[var] = str(value)
    return env


def connection_args() -> list[str]:
    s = _settings()
    args = ["--no-password"]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return args


def check_client(name: str, *, say: Callable[[str], None]) -> tuple[int, str]:
    """The client's major must not be older than the server's (pg_dump refuses then anyway,
    with a less helpful message); newer works but is said."""
    client_major, client_text = tool_version(name)
    server_major, server_text = server_version()
    if client_major < server_major:
        raise ToolError(
            f"{name} is version {client_major} but the server is PostgreSQL {server_text}: "
            f"{name} must be at least version {server_major}. Install postgresql-client-"
            f"{server_major} and set HAOCHAPING_PG_BINDIR=/usr/lib/postgresql/{server_major}/bin"
        )
    if client_major > server_major:
        say(
            f"note: {name} {client_major} is newer than the server (PostgreSQL {server_text}); "
            f"a restore of this dump needs pg_restore {client_major} or newer"
        )
    return client_major, client_text


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, env=client_env(), capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise ToolError(
            f"{Path(argv[0]).name} failed (exit {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )


def dump(payload: Path, *, build_manifest: Callable[[], dict], say: Callable[[str], None]):
    """pg_dump into ``payload`` under the snapshot the manifest is computed in."""
    _major, client_text = check_client("pg_dump", say=say)
    connection.ensure_connection()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        manifest = build_manifest()
        manifest["client"] = client_text
        say("pg_dump --format=custom ...")
        _run(
            [
                tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                "--file",
                str(payload),
                *connection_args(),
                "--dbname",
                str(_settings()["NAME"]),
            ]
        )
    return manifest


def other_sessions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, coalesce(nullif(application_name, ''), usename), state "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid"
        )
        return [f"pid {pid} ({app}, {state})" for pid, app, state in cursor.fetchall()]


def restore(payload: Path, manifest: dict, *, force: bool, say: Callable[[str], None]) -> None:
    """Replace the schema with the dump's, in ONE transaction: psql --single-transaction runs
    ``DROP SCHEMA ... CASCADE; CREATE SCHEMA ...`` followed by the dump as SQL
    (``pg_restore --no-owner -f -``). If anything fails, nothing changed.

    Not ``pg_restore --clean``: on partitioned tables (ratings, rollups and the results
    summaries are partitioned by month) its drops run in an order PostgreSQL refuses ("cannot
    drop inherited constraint"), and it would leave behind tables the backup does not have
    (made by newer migrations), which the ``migrate`` after the restore must create again.
    """
    client_major, _text = tool_version("pg_restore")
    match = _VERSION_RE.search(manifest.get("client", ""))
    dump_major = int(match[1]) if match else 0
    if client_major < dump_major:
        raise Refusal(
            "manifest.client",
            f"the dump was made by pg_dump {dump_major}; this pg_restore is version "
            f"{client_major} and cannot read it. Install postgresql-client-{dump_major} and set "
            f"HAOCHAPING_PG_BINDIR",
        )
    server_major, server_text = server_version()
    if client_major != server_major:
        say(f"note: pg_restore {client_major}, server PostgreSQL {server_text}")
    sessions = other_sessions()
    if sessions and not force:
        raise Refusal(
            "database",
            f"{len(sessions)} other session(s) are connected to {_settings()['NAME']} "
            f"({'; '.join(sessions[:5])}): stop the web servers and workers first, or pass --force",
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    connection.close()
    qs = '"' + schema.replace('"', '""') + '"'
    say(f"pg_restore --no-owner | psql --single-transaction (schema {schema} replaced) ...")
    env = client_env()
    # stderr to files, not pipes: nothing can block on a full pipe while the dump streams.
    with (
        tempfile.TemporaryFile() as psql_err,
        tempfile.TemporaryFile() as dump_err,
        subprocess.Popen(  # noqa: S603 - fixed argv
            [
                tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set",
                "ON_ERROR_STOP=1",
                *connection_args(),
                "--dbname",
                str(_settings()["NAME"]),
                "--file",
                "-",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=env,
        ) as psql,
    ):
        assert psql.stdin is not None  # noqa: S101 - Popen with stdin=PIPE
        psql.stdin.write(
            f"SET client_min_messages = warning;\nDROP SCHEMA IF EXISTS {qs} CASCADE;\n"
            f"CREATE SCHEMA {qs};\n".encode()
        )
        psql.stdin.flush()
        dump_code = subprocess.run(  # noqa: S603 - fixed argv
            [tool("pg_restore"), "--no-owner", "--exit-on-error", "--file", "-", str(payload)],
            stdout=psql.stdin,
            stderr=dump_err,
            env=env,
        ).returncode
        if dump_code != 0 and psql.poll() is None:
            # psql must not reach the end of its input: that would COMMIT a partial restore.
            psql.kill()
            psql.wait()
            dump_err.seek(0)
            raise ToolError(
                f"pg_restore failed (exit {dump_code}); nothing was changed: "
                f"{dump_err.read().decode(errors='replace').strip()}"
            )
        if psql.poll() is None:
            psql.stdin.close()
        psql.wait()
        if psql.returncode != 0:
            psql_err.seek(0)
            raise ToolError(
                f"psql failed (exit {psql.returncode}); nothing was changed: "
                f"{psql_err.read().decode(errors='replace').strip()}"
            )
