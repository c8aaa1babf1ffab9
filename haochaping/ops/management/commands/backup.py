"""haochaping backup: one file with the whole database and a manifest (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from haochaping.ops.backup import ToolError, backup_create, default_output


class Command(BaseCommand):
    # No system checks: an operator must be able to restore into an empty or broken database.
    requires_system_checks: list[str] = []
    help = "Back up the database into one file (pg_dump or SQLite online backup + manifest)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            default=None,
            help="file to write, or an existing directory (default: HAOCHAPING_DATA_DIR/backups/)",
        )

    def handle(self, *args, **options):
        out = options["output"]
        if out is None:
            path = default_output(Path(settings.DATA_DIR) / "backups")
        elif Path(out).is_dir():
            path = default_output(Path(out))
        else:
            path = Path(out)
        try:
            result = backup_create(path.resolve(), say=self.stdout.write)
        except (ToolError, OSError, DatabaseError) as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        m = result.manifest
        keys = ", ".join(m["data_keys"]["key_ids"]) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {result.path} ({result.bytes / 1e6:.1f} MB in "
                f"{result.seconds:.1f} s); {m['vendor']} {m['server_version']}, "
                f"ratings {m['row_counts'].get('ratings.Rating', 0)}, "
                f"audit rows {m['row_counts'].get('audit.AuditRecord', 0)}; "
                f"citizen data under key(s) {keys} (back the keys up separately)"
            )
        )
