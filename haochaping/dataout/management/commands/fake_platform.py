"""``haochaping fake-platform --port P``: the regional platform stand-in (loopback only)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from haochaping.dataout.fakeplatform import LOOPBACK, serve


class Command(BaseCommand):
    help = "Run a stand-in for the Tibet regional 好差评 platform on loopback (tests, demo)."
    requires_system_checks = []  # it uses no database; start fast

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8765, help="0: any free port (printed)")
        parser.add_argument(
            "--host", default="127.0.0.1", help="loopback only: 127.0.0.1, ::1, localhost"
        )
        parser.add_argument(
            "--data-dir",
            default="",
            help="where records are stored (default <DATA_DIR>/fake-platform)",
        )
        parser.add_argument(
            "--secret",
            default=os.environ.get("HAOCHAPING_FAKE_PLATFORM_SECRET", ""),
            help="check HMAC signatures with this key (default: no check)",
        )
        parser.add_argument("--client-id", default="", help="expected X-HCP-App (default: any)")
        parser.add_argument(
            "--port-file", default="", help="write the bound port here once listening"
        )

    def handle(self, *args, **options) -> None:
        if options["host"] not in LOOPBACK:
            raise CommandError("The fake platform listens on loopback only.")
        data_dir = Path(options["data_dir"] or Path(settings.DATA_DIR) / "fake-platform")

        def ready(server) -> None:
            if options["port_file"]:
                tmp = Path(options["port_file"] + ".tmp")
                tmp.write_text(str(server.server_address[1]))
                tmp.replace(options["port_file"])
            self.stdout.write(
                f"Fake regional platform listening on {server.url} (data: {data_dir})"
            )
            self.stdout.flush()

        try:
            serve(
                options["host"],
                options["port"],
                data_dir=data_dir,
                secret=options["secret"],
                client_id=options["client_id"],
                ready=ready,
            )
        except KeyboardInterrupt:
            pass
