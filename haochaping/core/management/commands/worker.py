"""Run a background worker: queued jobs, retries, recovery of lost jobs and the periodic scheduler."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand

from haochaping.jobs.worker import run_worker


class Command(BaseCommand):
    help = (
        "Run a background worker that executes queued jobs and schedules periodic jobs. "
        "Several workers may share one database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Queues to process, comma separated; '*' for all.",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not run the periodic scheduler in this process.",
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after this many jobs."
        )
        parser.add_argument(
            "--worker-id", default=None, help="Unique id (default: host-pid-random)."
        )
        parser.add_argument(
            "--no-startup-delay",
            action="store_true",
            help="Start polling at once (no random delay against thundering herds).",
        )

    def handle(self, *args, **options):
        level = {0: logging.WARNING, 1: logging.INFO}.get(options["verbosity"], logging.DEBUG)
        for name in ("django_tasks", "django_tasks_db", "haochaping.jobs"):
            logging.getLogger(name).setLevel(level)
        run_worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            scheduler=not options["no_scheduler"],
            worker_id=options["worker_id"],
            max_tasks=options["max_tasks"],
            startup_delay=not options["no_startup_delay"],
        )
