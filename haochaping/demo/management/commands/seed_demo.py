"""Load the Lhasa demo data: org, catalog, accounts, cases and whatever later capabilities add."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from haochaping.core.clock import today
from haochaping.demo.context import DemoContext
from haochaping.demo.registry import STEPS
from haochaping.org.models import Region


class Command(BaseCommand):
    help = "Load Lhasa demo data (org, service items, users, cases ...). Deterministic with --seed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2021, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--months", type=int, default=3, help="Months of activity to generate (1-120)."
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=0.02,
            help="Share of Lhasa's real volume (about 7,500 cases a working day); 1 = full volume.",
        )
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            default=None,
            help="Last day of generated activity, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database has data."
        )

    def handle(self, *args, **options):
        if not 1 <= options["months"] <= 120:
            raise CommandError("--months must be between 1 and 120.")
        if not 0 < options["scale"] <= 10:
            raise CommandError("--scale must be greater than 0 and at most 10.")
        if Region.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; demo data not loaded.")
                return
            raise CommandError(
                "The database already has data. Use a fresh database (make clean-db)."
            )
        ctx = DemoContext(
            rng=random.Random(options["seed"]),
            until=options["until"] or today(),
            months=options["months"],
            scale=options["scale"],
            log=self.stdout.write,
        )
        started = time.monotonic()
        with transaction.atomic():
            for path in STEPS:
                import_string(path)(ctx)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s.")
        )
        self.stdout.write("Demo accounts (demo only — change or remove them before real use):")
        for username, password, what in ctx.accounts:
            self.stdout.write(f"  {username:<20} {password:<28} {what}")
