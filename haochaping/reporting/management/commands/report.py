"""Build a report straight from the metrics and write it to a file (no workflow, no archive).

    haochaping report monthly --month 2026-10 --format xlsx|pdf --out FILE [--internal]
    haochaping report quarterly --quarter 2026Q3 --format pdf --out FILE
    haochaping report annual --year 2026 --format xlsx --out FILE

``monthly`` is the public bulletin; ``--internal`` gives the bad-review report for supervision.
Prints one JSON line: the file, its size, SHA-256 and the seconds taken (gathering, rendering).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.exceptions import ApplicationError
from haochaping.reporting import builders
from haochaping.reporting.enums import FileFormat, ReportKind
from haochaping.reporting.services import normalise_period


class Command(BaseCommand):
    help = "Write a monthly, quarterly or annual report as XLSX or PDF."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="which", required=True)
        for name, option in (
            ("monthly", "--month"),
            ("quarterly", "--quarter"),
            ("annual", "--year"),
        ):
            p = sub.add_parser(name)
            p.add_argument(option, dest="period", required=True)
            p.add_argument("--format", dest="fmt", choices=FileFormat.values, required=True)
            p.add_argument("--out", required=True)
            if name == "monthly":
                p.add_argument(
                    "--internal", action="store_true", help="the bad-review report for supervision"
                )

    def handle(self, *args, which, period, fmt, out, internal=False, **options):
        kind = {
            "monthly": ReportKind.MONTHLY_BAD_REVIEWS if internal else ReportKind.MONTHLY_BULLETIN,
            "quarterly": ReportKind.QUARTERLY,
            "annual": ReportKind.ANNUAL,
        }[which]
        try:
            key = normalise_period(kind, period)
        except ApplicationError as exc:
            raise CommandError(f"invalid period {period!r}: {exc.extra}") from None
        t0 = time.perf_counter()
        data = builders.gather(kind, key)
        t1 = time.perf_counter()
        if fmt == FileFormat.XLSX:
            from haochaping.reporting.xlsx import render_xlsx

            content = render_xlsx(data)
        else:
            from haochaping.reporting.pdf import render_pdf

            content = render_pdf(data)
        t2 = time.perf_counter()
        Path(out).write_bytes(content)
        self.stdout.write(
            json.dumps(
                {
                    "kind": kind.value,
                    "period": key,
                    "format": fmt,
                    "out": out,
                    "bytes": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "gather_s": round(t1 - t0, 3),
                    "render_s": round(t2 - t1, 3),
                }
            )
        )
