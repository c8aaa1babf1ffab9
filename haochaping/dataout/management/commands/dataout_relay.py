"""``haochaping dataout-relay``: deliver outbox messages within a second of their commit."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from haochaping.dataout.conf import dataout_setting
from haochaping.dataout.delivery import Deliverer, RoundReport, default_worker_id


class Command(BaseCommand):
    help = "Deliver queued records to the regional platform, polling the outbox (run one or more)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", action="store_true", help="exit when nothing is due")
        parser.add_argument(
            "--worker-id", default="", help="name in the attempt log (default host:pid)"
        )
        parser.add_argument("--batch-size", type=int, default=0)
        parser.add_argument("--concurrency", type=int, default=0)
        parser.add_argument(
            "--interval", type=float, default=0.0, help="poll interval when idle (s)"
        )
        parser.add_argument("--max-seconds", type=float, default=0.0, help="stop after this long")

    def handle(self, *args, **options) -> None:
        stop = {"now": False}

        def on_signal(signum, frame) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        interval = options["interval"] or float(dataout_setting("POLL_SECONDS"))
        deliverer = Deliverer(
            worker=options["worker_id"] or default_worker_id(),
            batch_size=options["batch_size"],
            concurrency=options["concurrency"],
        )
        self.stdout.write(f"dataout relay {deliverer.worker} started")
        self.stdout.flush()
        total = RoundReport()
        started = time.monotonic()
        try:
            while not stop["now"]:
                if options["max_seconds"] and time.monotonic() - started > options["max_seconds"]:
                    break
                try:
                    report = deliverer.round()
                except Exception as exc:  # the database went away for a moment: log and go on
                    self.stderr.write(f"dataout relay: round failed: {exc!r}")
                    close_old_connections()
                    time.sleep(interval)
                    continue
                total.add(report)
                if report.claimed or report.dead:
                    self.stdout.write(f"round {report.as_dict()}")
                    self.stdout.flush()
                    continue
                if options["batch"]:
                    break
                time.sleep(interval)
        finally:
            deliverer.close()
        self.stdout.write(f"dataout relay {deliverer.worker} stopped {total.as_dict()}")
