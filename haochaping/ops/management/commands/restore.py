"""haochaping restore: put a backup file made by `haochaping backup` back (docs/backup.md).

Exit codes: 0 restored; 1 the restore failed (a client tool, the file system, counts differ);
2 refused before anything changed (damaged or foreign backup, newer migrations, the server is
running).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from haochaping.ops.backup import ToolError, backup_restore
from haochaping.ops.manifest import Refusal


class Command(BaseCommand):
    # No system checks: an operator must be able to restore into an empty or broken database.
    requires_system_checks: list[str] = []
    help = "Restore a backup file made by 'haochaping backup' (replaces the whole database)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore even though other processes use the database",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist", returncode=2)
        try:
            result = backup_restore(path, force=options["force"], say=self.stdout.write)
        except Refusal as exc:
            raise CommandError(f"refused: {exc}", returncode=2) from exc
        except (ToolError, OSError, DatabaseError) as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        migrated = f"; applied {len(result.migrated)} migration(s)" if result.migrated else ""
        warned = f"; {len(result.warnings)} warning(s) above" if result.warnings else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {path} in {result.seconds:.1f} s{migrated}{warned}. "
                "Next: haochaping audit verify"
            )
        )
