"""Time the monthly report for the whole city at Lhasa's volume (~225,000 ratings a month).

    .venv/bin/python bench/reports.py [--ratings 225000] [--month 2026-10]
        [--admin-url postgres://postgres@127.0.0.1:5432/postgres] [--keep]

Creates a scratch PostgreSQL database (``haochaping_bench_reports``), migrates it and reuses the
data generator of ``bench/dashboard.py`` (set-based SQL; Lhasa-shaped org of 9 regions and 80
units): rollup rows whose counts sum to ``--ratings`` over the days of ``--month``, the per-unit
summaries the triggers would keep, raw rows and one rectification for each bad review (0.5 %),
and the case counts. Then, in this one process and run:

1. ``baseline``: the metrics queries alone (``builders.gather``) for the bulletin;
2. ``bulletin``: the real path — ``report_generate`` (gather and store the draft), submit,
   publish, and ``report_files_archive`` (render XLSX and PDF, store them with their SHA-256);
3. ``bad_review_report``: the same for the internal report (which lists every bad review);
4. ``cli_xlsx`` / ``cli_pdf``: ``haochaping report monthly ...`` in-process (gather + render).

One JSON line per step with seconds. The goal (issue 11): the monthly report under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import time
from pathlib import Path

from scratchdb import DEFAULT_ADMIN_URL, emit, scratch_database

DB_NAME = "haochaping_bench_reports"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ratings", type=int, default=225_000)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with scratch_database("postgresql", name=DB_NAME, admin_url=args.admin_url, keep=args.keep):
        from dashboard import build_org, generate  # bench/dashboard.py's generator
        from django.core.management import call_command
        from django.db import connection, transaction

        from haochaping.accounts.enums import Role
        from haochaping.accounts.services import user_create
        from haochaping.reporting import builders, services
        from haochaping.results.periods import period_parse

        period = period_parse("month", args.month)
        days = (period.end - period.start).days
        emit(step="org", **build_org())
        with transaction.atomic(), connection.cursor() as cur:
            info = generate(cur, days=days, per_day=args.ratings // days, per_row=2, end=period.end)
        with connection.cursor() as cur:
            for table in (
                "results_unitdaycount",
                "results_unitmonthcount",
                "results_casedaycount",
                "rectification_rectification",
                "ratings_rating",
                "org_unit",
            ):
                cur.execute(f"VACUUM ANALYZE {table}")
        emit(step="data", month=period.key, **info)
        liaison = user_create(
            username="bench",
            password="Bench-pass-2026!",  # noqa: S106
            role=Role.LIAISON,
        )

        t = time.perf_counter()
        data = builders.gather("monthly_bulletin", period.key)
        emit(
            step="baseline",
            what="metrics queries alone (builders.gather)",
            seconds=round(time.perf_counter() - t, 3),
            ratings=next(f["value"] for f in data["headline"] if f["key"] == "ratings"),
            units=len(next(tb for tb in data["tables"] if tb["key"] == "units")["rows"]),
        )

        for step, kind in (
            ("bulletin", "monthly_bulletin"),
            ("bad_review_report", "monthly_bad_reviews"),
        ):
            t0 = time.perf_counter()
            report = services.report_generate(kind=kind, period_key=period.key, acting_user=liaison)
            t1 = time.perf_counter()
            services.report_submit(report_id=report.pk, acting_user=liaison)
            services.report_publish(report_id=report.pk, acting_user=liaison)
            files = services.report_files_archive(report_id=report.pk)
            t2 = time.perf_counter()
            emit(
                step=step,
                generate_s=round(t1 - t0, 3),
                render_and_archive_s=round(t2 - t1, 3),
                total_s=round(t2 - t0, 3),
                files={f.format: {"bytes": f.size, "sha256": f.sha256} for f in files},
                rows={tb["key"]: len(tb["rows"]) for tb in report.data["tables"]},
            )

        import tempfile

        scratch = Path(tempfile.mkdtemp(prefix="bench-reports-"))
        for fmt in ("xlsx", "pdf"):
            out = io.StringIO()
            t = time.perf_counter()
            call_command(
                "report",
                "monthly",
                "--month",
                period.key,
                "--format",
                fmt,
                "--out",
                str(scratch / f"report.{fmt}"),
                stdout=out,
            )
            emit(
                step=f"cli_{fmt}",
                seconds=round(time.perf_counter() - t, 3),
                **json.loads(out.getvalue()),
            )
        emit(
            step="env",
            load_avg_1m=round(os.getloadavg()[0], 1),
            cpus=os.cpu_count(),
            when=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )


if __name__ == "__main__":
    main()
