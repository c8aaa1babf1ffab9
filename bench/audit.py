"""Cost of the audit trail: per staff write, on the rating ingest path, and the sealer's throughput.

    .venv/bin/python bench/audit.py [--db postgres|sqlite] [--writes 400] [--ratings 400]
                                    [--seal-rows 20000] [--seal-ratings 20000] [--rounds 4]
                                    [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database (PostgreSQL ``haochaping_bench_audit``, or SQLite in a temporary
data dir), migrates it, builds a small org tree, then prints JSON lines:

- ``staff_write``: one staff write = a unit renamed in its own transaction (select + update, as a
  service does). Rounds alternate the audit receivers connected (``audit``) and disconnected
  (``bare``); ``overhead_us`` = audit - bare per write (the pre-save read of the old values and
  the audit-row insert).
- ``rating_submit``: ``ratings.services.rating_submit`` of a new case's rating, rounds
  alternating the audit trail on (receivers + the partial ``rating_unsealed_idx`` index) and off
  (receivers disconnected, index dropped); ``ratio`` = audit rate / bare rate.
- ``seal_rows`` / ``seal_ratings``: ``audit_seal()`` over N bulk-inserted unsealed audit rows,
  then over N ratings without a content hash: rows/s and ratings/s.
- ``verify``: ``audit_verify()`` over everything above.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "haochaping_bench_audit"


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def setup_database(args) -> None:
    env = {"HAOCHAPING_LOG_LEVEL": "WARNING"}
    if args.db == "postgres":
        import psycopg

        parts = urlsplit(args.admin_url)
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            admin.execute(f"CREATE DATABASE {DB_NAME}")
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    else:
        env["HAOCHAPING_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-audit-")
        os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "-m", "haochaping", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ},
        check=True,
    )


def drop_database(args) -> None:
    if args.db == "postgres":
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--ratings", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seal-rows", type=int, default=20000)
    parser.add_argument("--seal-ratings", type=int, default=20000)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        run(args)
    finally:
        drop_database(args)


def run(args) -> None:
    from django.db import connection, transaction
    from django.db.models.signals import post_save, pre_save

    from haochaping.audit import capture
    from haochaping.audit.context import audit_actor
    from haochaping.audit.models import AuditRecord
    from haochaping.audit.sealer import audit_seal
    from haochaping.audit.verify import audit_verify
    from haochaping.core.clock import now
    from haochaping.org.models import Unit
    from haochaping.ratings.enums import Channel, Level
    from haochaping.ratings.models import Rating
    from haochaping.ratings.services import rating_submit
    from haochaping.testing.builders import build_org_tree, make_case

    emit(bench="audit", db=connection.vendor, python=sys.version.split()[0], load=load())
    tree = build_org_tree()
    audit_seal()

    def receivers(model, on: bool) -> None:
        label = model._meta.label_lower
        uids: dict[Any, tuple[Any, str]] = {
            pre_save: (capture._before_save, f"{capture.UID}-pre-{label}"),
            post_save: (capture._after_save, f"{capture.UID}-save-{label}"),
        }
        for signal, (func, uid) in uids.items():
            if on:
                signal.connect(func, sender=model, dispatch_uid=uid)
            else:
                signal.disconnect(sender=model, dispatch_uid=uid)

    def alternate(switch, body) -> dict[str, float]:
        """Best seconds of each mode over rounds alternating audit on / off."""
        times: dict[str, list[float]] = {"audit": [], "bare": []}
        for r in range(args.rounds * 2):
            mode = "audit" if r % 2 == 0 else "bare"
            switch(mode == "audit")
            start = time.perf_counter()
            body()
            times[mode].append(time.perf_counter() - start)
        switch(True)
        return {m: min(t) for m, t in times.items()}

    # --- staff writes --------------------------------------------------------------------
    unit_id = tree.police.pk
    counter = iter(range(10**9))

    def staff_writes() -> None:
        for _ in range(args.writes):
            with transaction.atomic():
                unit = Unit.objects.select_for_update().get(pk=unit_id)
                unit.name = f"拉萨市公安局 {next(counter)}"
                unit.save(update_fields=["name"])

    best = alternate(lambda on: receivers(Unit, on), staff_writes)
    per = {m: t / args.writes * 1e6 for m, t in best.items()}
    emit(
        step="staff_write",
        writes_per_round=args.writes,
        rounds=args.rounds,
        audit_us=round(per["audit"], 1),
        bare_us=round(per["bare"], 1),
        overhead_us=round(per["audit"] - per["bare"], 1),
        load=load(),
    )

    # --- rating ingest ---------------------------------------------------------------------
    done = now() - dt.timedelta(days=1)
    cases = iter(
        [
            make_case(tree, accepted_at=done - dt.timedelta(days=2), completed_at=done)
            for _ in range(args.ratings * args.rounds * 2)
        ]
    )
    index = "rating_unsealed_idx ON ratings_rating (id) WHERE content_hash = ''"

    def ingest_switch(on: bool) -> None:
        receivers(Rating, on)
        with connection.cursor() as cur:
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {index}"
                if on
                else "DROP INDEX IF EXISTS rating_unsealed_idx"
            )

    def ingest() -> None:
        for _ in range(args.ratings):
            rating_submit(
                case=next(cases),
                level=Level.VERY_SATISFIED,
                channel=Channel.EVALUATOR,
                option_codes=["517"],
                assessed_at=done,
            )

    rate = {m: args.ratings / t for m, t in alternate(ingest_switch, ingest).items()}
    emit(
        step="rating_submit",
        ratings_per_round=args.ratings,
        rounds=args.rounds,
        audit_per_s=round(rate["audit"], 1),
        bare_per_s=round(rate["bare"], 1),
        ratio=round(rate["audit"] / rate["bare"], 3),
        load=load(),
    )
    audit_seal()

    # --- sealer throughput -------------------------------------------------------------------
    at = now()
    AuditRecord.objects.bulk_create(
        [
            AuditRecord(
                created_at=at,
                actor="user:3:liaison",
                address="10.0.0.7",
                action="update",
                object_type="rectification.rectification",
                object_id=str(i),
                object_repr=f"RECT-{i}",
                changes={"fields": {"status": ["contacted", "fixing"], "note": ["", "已联系"]}},
            )
            for i in range(args.seal_rows)
        ],
        batch_size=2000,
    )
    with audit_actor("system:bench"):
        start = time.perf_counter()
        rows = audit_seal().rows
        seconds = time.perf_counter() - start
    emit(step="seal_rows", rows=rows, seconds=round(seconds, 3), rows_per_s=round(rows / seconds))

    template = Rating.objects.order_by("id")[0]
    clones: list[Rating] = []
    for i in range(args.seal_ratings):
        clone = Rating.objects.get(pk=template.pk) if i == 0 else clones[0]
        copy = Rating(
            **{
                f.attname: getattr(clone, f.attname)
                for f in Rating._meta.concrete_fields
                if not f.primary_key
            }
        )
        copy.case_id, copy.receipt, copy.content_hash = None, f"B{i:011d}", ""
        copy.idempotency_key = ""
        clones.append(copy)
    Rating.objects.bulk_create(clones, batch_size=2000)
    with audit_actor("system:bench"):
        start = time.perf_counter()
        sealed = audit_seal().ratings
        seconds = time.perf_counter() - start
    emit(
        step="seal_ratings",
        ratings=sealed,
        seconds=round(seconds, 3),
        ratings_per_s=round(sealed / seconds),
        load=load(),
    )

    start = time.perf_counter()
    report = audit_verify()
    seconds = time.perf_counter() - start
    emit(
        step="verify",
        rows=report.rows,
        ratings=report.ratings,
        findings=len(report.findings),
        seconds=round(seconds, 3),
        load=load(),
    )


if __name__ == "__main__":
    main()
