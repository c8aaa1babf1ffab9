"""Deliver the rectification notices that are missing (rectifications opened before the
appeals app was installed): ``haochaping appeals-deliver-notices``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from haochaping.appeals.services import notices_deliver_missing


class Command(BaseCommand):
    help = "Deliver missing rectification notices (appeal period counted from the opening)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, **options):
        count = notices_deliver_missing(limit=options["limit"])
        self.stdout.write(f"{count} notices delivered.")
