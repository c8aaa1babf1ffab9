"""Serve the web application with gunicorn plus background workers, as separate processes.

``haochaping serve`` is the demo and intranet server. ``haochaping serve --production`` is the
one docs/deploy.md runs under systemd: production settings (``haochaping.settings_production``,
checked with ``check --deploy`` before anything starts), 2 × cores + 1 gthread workers, JSON logs
(gunicorn's access and error logs too), Prometheus metrics summed across the gunicorn workers
(``PROMETHEUS_MULTIPROC_DIR``) and a graceful stop on SIGTERM: gunicorn stops
accepting, finishes the requests in flight (up to ``--graceful-timeout``) and the background
workers finish their current job.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PRODUCTION_SETTINGS = "haochaping.settings_production"


def default_web_workers() -> int:
    return (os.cpu_count() or 1) * 2 + 1


class Command(BaseCommand):
    help = "Serve the web application (gunicorn) and background workers until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--bind",
            action="append",
            default=None,
            help="Address to listen on, instead of --host/--port: HOST:PORT or unix:PATH "
            "(repeatable).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Web worker processes (default 2; with --production 2 × cores + 1).",
        )
        parser.add_argument("--threads", type=int, default=8, help="Threads per web worker.")
        parser.add_argument(
            "--background-workers",
            type=int,
            default=1,
            help="Background worker processes (`haochaping worker`) to start; they share the "
            "one queue in the database.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Start no background worker (systemd runs them as haochaping-worker@N).",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            default=30,
            help="Seconds a stop waits for requests in flight (longer than the tablets' long "
            "poll).",
        )
        parser.add_argument(
            "--production",
            action="store_true",
            help="Production settings, 2 × cores + 1 workers, JSON logs, metrics across workers.",
        )

    def handle(self, *args, **options):
        production = options["production"]
        workers = options["workers"] or (default_web_workers() if production else 2)
        binds = options["bind"] or [f"{options['host']}:{options['port']}"]
        env = self._environment(production, binds)
        if production:
            self._deploy_check(env)
        graceful = options["graceful_timeout"]
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "haochaping.wsgi:application",
            "--config",
            "python:haochaping.core.gunicorn_conf",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            str(graceful),
            "--timeout",
            "60",
            # Threads let slow clients and long polls (hall tablets) wait without holding a
            # whole process.
            "--worker-class",
            "gthread",
            "--threads",
            str(options["threads"]),
            # gunicorn's control socket has one default path per user: several servers on one
            # host would fight over it, and nothing here uses it
            "--no-control-socket",
        ]
        for bind in binds:
            web += ["--bind", bind]
        if production:
            # No --max-requests recycling: in prometheus_client's multiprocess mode every
            # worker that ever ran leaves its counter files behind, and each scrape reads them
            # all (docs/decisions.md).
            web += [
                "--worker-tmp-dir",
                "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",  # noqa: S108
            ]
        if env.get("HAOCHAPING_LOG_FORMAT") == "json":
            web += ["--logger-class", "haochaping.core.logging.GunicornJsonLogger"]
        # Signals are caught before the first child starts, so none is left behind by a stop.
        self._stopping = False
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        procs = [("gunicorn", subprocess.Popen(web, env=env))]  # noqa: S603
        background = 0 if options["no_worker"] else max(options["background_workers"], 0)
        worker = [sys.executable, "-m", "haochaping", "worker"]
        procs += [
            (f"worker {n + 1}", subprocess.Popen(worker, env=env))  # noqa: S603
            for n in range(background)
        ]
        mode = " (production)" if production else ""
        self.stdout.write(
            f"Serving{mode} at {', '.join(self._urls(binds))} with {workers} web workers"
            f" and {background} background worker{'s' if background != 1 else ''}. Ctrl-C stops."
        )
        self.stdout.flush()
        sys.exit(self._supervise(procs, stop_timeout=graceful + 15))

    @staticmethod
    def _urls(binds: list[str]) -> list[str]:
        return [b if b.startswith("unix:") else f"http://{b}/" for b in binds]

    @staticmethod
    def _environment(production: bool, binds: list[str]) -> dict[str, str]:
        env = dict(os.environ)
        if not production:
            return env
        # An explicit site module (derived from the production one) is kept; the default is not.
        if env.get("DJANGO_SETTINGS_MODULE", "haochaping.settings") == "haochaping.settings":
            env["DJANGO_SETTINGS_MODULE"] = PRODUCTION_SETTINGS
        env.setdefault("HAOCHAPING_LOG_FORMAT", "json")
        if not env.get("PROMETHEUS_MULTIPROC_DIR"):
            # One directory per listening address: two servers on one host do not mix counts.
            name = re.sub(r"[^A-Za-z0-9]+", "-", binds[0]).strip("-")
            env["PROMETHEUS_MULTIPROC_DIR"] = str(
                Path(settings.DATA_DIR) / "run" / f"metrics-{name}"
            )
        return env

    def _deploy_check(self, env: dict[str, str]) -> None:
        """``check --deploy`` in the production settings: refuse to start on an error (the demo
        secret key, no citizen-data keys ...); print warnings."""
        result = subprocess.run(
            [sys.executable, "-m", "haochaping", "check", "--deploy", "--fail-level", "ERROR"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(
                "the production settings fail `haochaping check --deploy`:\n" + result.stderr
            )
        if "WARNINGS" in result.stderr:
            self.stderr.write(result.stderr)

    def _stop(self, *_args: object) -> None:
        self._stopping = True

    def _supervise(self, procs: list[tuple[str, subprocess.Popen]], *, stop_timeout: float) -> int:
        """Wait for SIGTERM/SIGINT or a child's death; then stop every child gracefully (SIGTERM)
        and wait. 0 when stopped by a signal and every child stopped cleanly."""
        exit_code = 0
        try:
            while not self._stopping:
                for name, proc in procs:
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}")
                        exit_code = proc.returncode or 1
                        self._stopping = True
                time.sleep(0.2)
        finally:
            for _name, proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + stop_timeout
            for name, proc in procs:
                try:
                    proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"{name} did not stop; killed")
                    proc.kill()
                    proc.wait()
                    exit_code = exit_code or 1
                if proc.returncode not in (0, -signal.SIGTERM) and not exit_code:
                    self.stderr.write(f"{name} stopped with {proc.returncode}")
                    exit_code = 1
        return exit_code
