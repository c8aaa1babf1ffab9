"""Run a background worker (django-tasks database backend)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background worker that executes queued jobs. Several workers may share one database."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")

    def handle(self, *args, **options):
        extra = ["--batch"] if options["batch"] else []
        call_command(
            "db_worker", "--queue-name", options["queue_name"], "--interval", str(options["interval"]), *extra
        )
