"""``haochaping dataout-reconcile --day YYYY-MM-DD``: compare a day with the platform."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.clock import today
from haochaping.dataout.reconcile import reconcile_day


class Command(BaseCommand):
    help = "Reconcile one day's records with the regional platform (or write its batch file)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--day", default="", help="yyyy-mm-dd (default: yesterday)")
        parser.add_argument("--no-resend", action="store_true", help="report only, queue nothing")
        parser.add_argument(
            "--batch-file", action="store_true", help="write the daily batch file instead"
        )

    def handle(self, *args, **options) -> None:
        try:
            day = (
                dt.date.fromisoformat(options["day"])
                if options["day"]
                else today() - dt.timedelta(days=1)
            )
        except ValueError:
            raise CommandError("--day must be yyyy-mm-dd") from None
        runs = reconcile_day(
            day=day,
            resend_missing=False if options["no_resend"] else None,
            mode="file" if options["batch_file"] else None,
        )
        for run in runs:
            platform = run.platform_count if run.platform_count is not None else "-"
            self.stdout.write(
                f"{run.day} {run.topic}: {run.status} here={run.local_count} platform={platform} "
                f"{run.details or ''}"
            )
        if any(run.status in ("different", "error") for run in runs):
            raise CommandError("differences found (see above)", returncode=1)
