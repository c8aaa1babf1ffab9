"""Time `haochaping backup` and `haochaping restore` on the demo database, against the bare tools.

    .venv/bin/python bench/backup.py --db sqlite|postgresql [--months M] [--scale S] [--keep]

Creates a scratch database (``haochaping_bench_backup``), loads the demo data with
``haochaping seed-demo`` (the same as ``make demo``; --months/--scale passed through when given),
then runs, each as the operator would, as a subprocess:

1. ``baseline_dump``: the bare tool — ``pg_dump --format=custom`` / a ``sqlite3`` online backup;
2. ``backup``: ``haochaping backup --output FILE`` (dump + manifest: row counts, the data-key
   scan of every encrypted column, SHA-256), with its size;
3. ``baseline_restore``: the bare tool — ``pg_restore`` into an empty database / a file copy;
4. ``restore``: ``haochaping restore FILE`` over the scratch database (checksum, schema
   replaced in one transaction / atomic file swap, row counts checked);
5. ``audit_verify``: ``haochaping audit verify`` on the restored database (exit 0 required).

One JSON line per step: wall seconds (Python start-up of the command included), bytes, and the
ratio to its bare-tool baseline, plus the load average (the machine is shared).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scratchdb import bench_parser, emit, env_fields, scratch_from

ROOT = Path(__file__).resolve().parents[1]
HAOCHAPING = str(Path(sys.executable).with_name("haochaping"))
NAME = "haochaping_bench_backup"


LAST = {"inside": None}


def run(argv: list[str], **env: str) -> float:
    """Wall seconds of ``argv``; LAST["inside"] = the seconds the command itself reports
    ("... in 1.3 s": without Python and Django start-up), if it does."""
    started = time.perf_counter()
    result = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(
            f"{argv[:3]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    found = re.findall(r" in ([0-9.]+) s\b", result.stdout)
    LAST["inside"] = float(found[-1]) if found else None
    return seconds


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--months", type=int, default=None)
    parser.add_argument("--scale", type=float, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    try:
        with scratch_from(args, NAME) as url:
            from django.db import connections

            seed = [HAOCHAPING, "seed-demo"]
            if args.months:
                seed += ["--months", str(args.months)]
            if args.scale:
                seed += ["--scale", str(args.scale)]
            seconds = run(seed, DATABASE_URL=url)
            from haochaping.ratings.models import Rating

            ratings = Rating.objects.count()
            connections.close_all()
            emit(
                scenario="backup",
                step="seed",
                db=args.db,
                ratings=ratings,
                seconds=round(seconds, 2),
                **env_fields(),
            )

            baseline = tmp / "baseline"
            if args.db == "postgresql":
                dump = run(["pg_dump", "--format=custom", "--file", str(baseline), "--dbname", url])
            else:
                started = time.perf_counter()
                src = sqlite3.connect(urlsplit(url).path)
                dst = sqlite3.connect(baseline)
                src.backup(dst)
                dst.close()
                src.close()
                dump = time.perf_counter() - started
            emit(
                scenario="backup",
                step="baseline_dump",
                db=args.db,
                seconds=round(dump, 2),
                bytes=baseline.stat().st_size,
            )

            out = tmp / "demo.backup.tar"
            seconds = run([HAOCHAPING, "backup", "--output", str(out)], DATABASE_URL=url)
            emit(
                scenario="backup",
                step="backup",
                db=args.db,
                seconds=round(seconds, 2),
                command_seconds=LAST["inside"],
                bytes=out.stat().st_size,
                ratio=round(seconds / dump, 2),
                **env_fields(),
            )

            if args.db == "postgresql":
                import psycopg

                empty = f"{NAME}_empty"
                with psycopg.connect(args.admin_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {empty} WITH (FORCE)")
                    admin.execute(f"CREATE DATABASE {empty}")
                empty_url = urlunsplit(urlsplit(url)._replace(path=f"/{empty}"))
                try:
                    restore = run(
                        [
                            "pg_restore",
                            "--no-owner",
                            "--single-transaction",
                            "--dbname",
                            empty_url,
                            str(baseline),
                        ]
                    )
                finally:
                    with psycopg.connect(args.admin_url, autocommit=True) as admin:
                        admin.execute(f"DROP DATABASE IF EXISTS {empty} WITH (FORCE)")
            else:
                started = time.perf_counter()
                shutil.copyfile(baseline, tmp / "copy.sqlite3")
                restore = time.perf_counter() - started
            emit(scenario="backup", step="baseline_restore", db=args.db, seconds=round(restore, 2))

            seconds = run([HAOCHAPING, "restore", str(out)], DATABASE_URL=url)
            emit(
                scenario="backup",
                step="restore",
                db=args.db,
                seconds=round(seconds, 2),
                command_seconds=LAST["inside"],
                ratio=round(seconds / restore, 2),
                **env_fields(),
            )
            seconds = run([HAOCHAPING, "audit", "verify"], DATABASE_URL=url)
            emit(
                scenario="backup",
                step="audit_verify",
                db=args.db,
                seconds=round(seconds, 2),
                command_seconds=LAST["inside"],
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
