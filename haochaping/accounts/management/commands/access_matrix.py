"""`haochaping access-matrix`: print the authorization matrix as Markdown (or write it into
docs/security.md between its markers with --write)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from haochaping.accounts.matrix import as_markdown

START, END = "<!-- matrix:start -->\n", "<!-- matrix:end -->"


class Command(BaseCommand):
    help = "Print the authorization matrix (role × operation × scope) as a Markdown table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--write", action="store_true", help="replace the table in docs/security.md"
        )

    def handle(self, *args, **options):
        table = as_markdown()
        if not options["write"]:
            self.stdout.write(table, ending="")
            return
        doc = Path(settings.PROJECT_ROOT) / "docs" / "security.md"
        text = doc.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
        if not pattern.search(text):
            raise CommandError(f"{doc} has no {START.strip()} … {END} markers")
        doc.write_text(pattern.sub(lambda _m: START + table + END, text), encoding="utf-8")
        self.stdout.write(f"wrote {len(table.splitlines()) - 2} rules into {doc}")
