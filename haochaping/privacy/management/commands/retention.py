"""haochaping retention anonymise: blank citizens' identities older than N years."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.exceptions import InvalidInput
from haochaping.privacy.retention import default_years, retention_anonymise


class Command(BaseCommand):
    help = "Retention of citizen data: 'anonymise' blanks identities older than N years."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        an = sub.add_parser("anonymise", help="blank names, mobiles and ID numbers of old records")
        an.add_argument(
            "--older-than-years",
            type=int,
            default=None,
            help=f"default: HAOCHAPING_RETENTION_YEARS ({default_years()})",
        )
        an.add_argument("--dry-run", action="store_true", help="only count what would change")
        an.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        try:
            result = retention_anonymise(
                older_than_years=options["older_than_years"],
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
            )
        except InvalidInput as exc:
            raise CommandError(
                "; ".join(m for ms in exc.extra["errors"].values() for m in ms)
            ) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
