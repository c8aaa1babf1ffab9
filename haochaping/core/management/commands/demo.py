"""One command from a fresh checkout to a running demo."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, load the Lhasa demo data when the database is empty, and serve with a worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not serve.")
        parser.add_argument(
            "--no-fake-platform",
            action="store_true",
            help="Do not start the regional-platform stand-in (haochaping fake-platform).",
        )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("seed_demo", if_empty=True, stdout=self.stdout)
        if options["no_serve"]:
            return
        platform = None
        if not options["no_fake_platform"] and self._platform_is_local():
            # The demo pushes every rating to a stand-in of the regional platform on loopback,
            # so /dataout/ shows deliveries instead of a growing backlog.
            port = str(urlsplit(settings.HAOCHAPING_DATAOUT["PLATFORM_URL"]).port or 8765)
            platform = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "haochaping", "fake-platform", "--port", port]
            )
            self.stdout.write(f"Regional-platform stand-in at http://127.0.0.1:{port}/")
        try:
            call_command("serve", host=options["host"], port=options["port"])
        finally:
            if platform is not None:
                platform.terminate()
                platform.wait(timeout=10)

    @staticmethod
    def _platform_is_local() -> bool:
        conf = getattr(settings, "HAOCHAPING_DATAOUT", {})
        host = urlsplit(conf.get("PLATFORM_URL", "")).hostname
        return bool(conf.get("ENABLED")) and host in {"127.0.0.1", "localhost", "::1"}
