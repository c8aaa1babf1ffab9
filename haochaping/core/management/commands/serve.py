"""Serve the web application with gunicorn plus one background worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web application (gunicorn) and a background worker until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument("--threads", type=int, default=8, help="Threads per web worker.")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start a background worker."
        )
        parser.add_argument(
            "--production", action="store_true", help="More web workers, no demo banner."
        )

    def handle(self, *args, **options):
        workers = options["workers"]
        if options["production"] and workers == 2:
            workers = (os.cpu_count() or 1) * 2 + 1
        bind = f"{options['host']}:{options['port']}"
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "haochaping.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
            # Threads let slow clients and long polls (hall tablets) wait without holding a
            # whole process.
            "--worker-class",
            "gthread",
            "--threads",
            str(options["threads"]),
        ]
        procs: list[subprocess.Popen] = [subprocess.Popen(web)]  # noqa: S603
        if not options["no_worker"]:
            procs.append(subprocess.Popen([sys.executable, "-m", "haochaping", "worker"]))
        self.stdout.write(
            f"Serving at http://{bind}/ with {workers} web workers"
            f"{'' if options['no_worker'] else ' and 1 background worker'}. Ctrl-C stops."
        )

        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                for proc in procs:
                    if proc.poll() is not None:
                        self.stderr.write(f"process {proc.args[2:4]} exited with {proc.returncode}")
                        exit_code = proc.returncode or 1
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if exit_code:
            sys.exit(exit_code)
