"""``haochaping partitions status|create-ahead``: the monthly partitions on PostgreSQL."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection

from haochaping.ratings import partitions


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


class Command(BaseCommand):
    help = "Show the monthly partitions (rows, size) or create them ahead (docs/partitioning.md)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        st = sub.add_parser("status", help="Partitions with row counts and sizes.")
        st.add_argument(
            "--exact", action="store_true", help="count(*) each partition (else the estimate)."
        )
        ahead = sub.add_parser(
            "create-ahead",
            help="Create partitions up to N months ahead; move rows out of DEFAULT partitions.",
        )
        ahead.add_argument("--months", type=int, default=None, help="default: MONTHS_AHEAD (3)")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Partitioning is used on PostgreSQL only; this database has none.")
            return
        if options["action"] == "create-ahead":
            report = partitions.create_ahead(ahead=options["months"])
            for name in report["created"]:
                self.stdout.write(f"created {name}")
            for key, rows in report["moved"].items():
                self.stdout.write(f"moved {rows} rows of {key} out of the DEFAULT partition")
            if not report["created"]:
                self.stdout.write("nothing to create")
            return
        rows = partitions.status()
        self.stdout.write(f"{'partition':<40} {'rows':>12} {'size':>9}  bound")
        for row in rows:
            count = (
                partitions.count_rows(connection, row["partition"])
                if options["exact"]
                else row["rows_estimate"]
            )
            flag = "  <- rows waiting" if row["partition"].endswith("_default") and count else ""
            self.stdout.write(
                f"{row['partition']:<40} {count:>12} {_size(row['bytes']):>9}  {row['bound']}{flag}"
            )
        orphans = partitions.orphans_count()
        for table, n in orphans.items():
            self.stdout.write(self.style.ERROR(f"{table}: {n} rows name a missing rating"))
        for table, n in partitions.dimension_orphans_count().items():
            self.stdout.write(self.style.ERROR(f"ratings name {n} ids missing from {table}"))
