"""A scratch database for one benchmark run, on SQLite or PostgreSQL (used by sweep.py,
rating_page.py, dashboard.py, reports.py, province.py ...): created empty, migrated, and dropped
at the end unless ``keep``. Several in one process (one after the other, or nested with the
innermost in use) are fine: Django's default connection is pointed at each as it is entered.

    with scratch_database("sqlite", name="haochaping_bench_sweep") as url:
        ...  # DATABASE_URL is set to ``url``; Django is set up on it and migrated
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def env_fields() -> dict:
    """What the figures need next to them: the load average when they were taken."""
    return {
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """A parser with the options every scratch-database scenario takes: --db, --admin-url, --keep."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--db", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    return parser


def scratch_from(args: argparse.Namespace, name: str):
    return scratch_database(args.db, name=name, admin_url=args.admin_url, keep=args.keep)


@contextmanager
def scratch_database(
    db: str, *, name: str, admin_url: str = DEFAULT_ADMIN_URL, keep: bool = False
) -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    if db == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    elif db == "postgresql":
        import psycopg

        url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    else:
        raise SystemExit(f"--db must be sqlite or postgresql, not {db!r}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
    os.environ.setdefault("HAOCHAPING_DATA_DIR", str(tmp / "data"))
    os.environ.setdefault("HAOCHAPING_LOG_LEVEL", "WARNING")
    import django
    from django.apps import apps
    from django.core.management import call_command

    if apps.ready:  # a second scratch database in the same process: point Django at it
        from django.db import connections

        connections["default"].close()
        connections["default"].settings_dict["NAME"] = (
            name if db == "postgresql" else str(tmp / "bench.sqlite3")
        )
    django.setup()
    try:
        call_command("migrate", verbosity=0)
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            if db == "postgresql":
                import psycopg

                with psycopg.connect(admin_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            shutil.rmtree(tmp, ignore_errors=True)
