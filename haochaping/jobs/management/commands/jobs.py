"""Operator commands for background jobs: ``haochaping jobs status`` and ``haochaping jobs run NAME``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from haochaping.jobs import selectors
from haochaping.jobs.periodic import periodic_jobs


class Command(BaseCommand):
    help = "Background jobs: 'status' (queues, workers, periodic jobs as JSON) or 'run NAME'."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "status", help="Queue depth, lag, failures, workers and periodic jobs (JSON)."
        )
        run = sub.add_parser("run", help="Enqueue a periodic job now (outside its schedule).")
        run.add_argument(
            "name", help="A name from haochaping/jobs/periodic.py, e.g. monthly-report."
        )
        run.add_argument(
            "--period", default="", help="Period key for jobs that take one (e.g. 2026-11)."
        )

    def handle(self, *args, **options):
        if options["action"] == "status":
            self._status()
        else:
            self._run(options["name"], options["period"])

    def _status(self) -> None:
        out = {
            "queues": [
                {
                    "queue": q.queue,
                    "ready": q.ready,
                    "scheduled": q.scheduled,
                    "running": q.running,
                    "lag_seconds": q.lag_seconds,
                    "failed_24h": q.failed_24h,
                    "parked": q.parked,
                }
                for q in selectors.queue_stats()
            ],
            "workers": [
                {
                    "worker_id": w.worker.worker_id,
                    "alive": w.alive,
                    "beat_at": w.worker.beat_at.isoformat(),
                }
                for w in selectors.worker_list()
            ],
            "periodic": [
                {
                    "name": p.name,
                    "schedule": p.schedule,
                    "task_missing": p.task_missing,
                    "last_period": p.last_period,
                }
                for p in selectors.periodic_status()
            ],
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))

    def _run(self, name: str, period: str) -> None:
        jobs = {job.name: job for job in periodic_jobs()}
        if name not in jobs:
            raise CommandError(f"unknown periodic job {name!r}; known: {', '.join(sorted(jobs))}")
        job = jobs[name]
        if job.pass_period and not period:
            raise CommandError(f"{name} needs --period (for example the month, 2026-11)")
        try:
            task = job.load_task()
        except ImportError as exc:
            raise CommandError(f"{name}: task {job.task_path} cannot be imported ({exc})") from exc
        result = task.enqueue(**({"period": period} if job.pass_period else {}))
        self.stdout.write(f"{name} enqueued as job {result.id}")
