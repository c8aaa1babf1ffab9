"""Rating chores: ``haochaping ratings import FILE``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.exceptions import ApplicationError
from haochaping.ratings.importer import ratings_import, render_progress


class Command(BaseCommand):
    help = "Import national-style rating records (JSON lines or CSV): resumable, with a per-line error report."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="Import FILE (.jsonl / .json lines, or .csv with a header row)."
        )
        imp.add_argument("file")
        imp.add_argument("--checkpoint", help="Checkpoint file (default FILE.checkpoint).")
        imp.add_argument(
            "--errors", help="Per-line error report, JSON lines (default FILE.errors.jsonl)."
        )
        imp.add_argument("--chunk-size", type=int, default=5000)
        imp.add_argument(
            "--restart", action="store_true", help="Ignore an existing checkpoint and error report."
        )
        imp.add_argument(
            "--no-fast-path",
            action="store_true",
            help="Use the record-by-record path on PostgreSQL too.",
        )
        imp.add_argument(
            "--connections",
            type=int,
            default=None,
            help="Database connections working on chunks at once on the fast path (default 2).",
        )
        imp.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        show = not options["no_progress"]
        try:
            report = ratings_import(
                path,
                checkpoint_path=Path(options["checkpoint"]) if options["checkpoint"] else None,
                errors_path=Path(options["errors"]) if options["errors"] else None,
                chunk_size=max(1, options["chunk_size"]),
                fast_path=False if options["no_fast_path"] else None,
                restart=options["restart"],
                connections=options["connections"],
                progress=(lambda r, done, total: render_progress(r, done, total, stream=sys.stderr))
                if show
                else None,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if show:
            sys.stderr.write("\n")
        self.stdout.write(
            json.dumps(
                {
                    "file": str(path),
                    "lines": report.lines,
                    "skipped": report.skipped,
                    "imported": report.imported,
                    "replayed": report.replayed,
                    "failed": report.failed,
                    "seconds": round(report.seconds, 3),
                    "records_per_second": round(report.records_per_second),
                    "fast_path": report.fast_path,
                    "errors_file": report.errors_path,
                    "checkpoint": report.checkpoint_path,
                }
            )
        )
