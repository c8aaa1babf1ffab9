"""Recompute the per-day case counts (rating rate, unrated rate) for a range of completion days."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.clock import today
from haochaping.ratings.conf import rating_setting
from haochaping.results.services import case_counts_refresh


class Command(BaseCommand):
    help = "Recompute results case counts for completion days [--from, --to) (default: the rating window)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="day after the last, YYYY-MM-DD")

    def handle(self, *args, start=None, end=None, **options):
        try:
            end_day = dt.date.fromisoformat(end) if end else today() + dt.timedelta(days=1)
            start_day = (
                dt.date.fromisoformat(start)
                if start
                else end_day - dt.timedelta(days=rating_setting("RATING_WINDOW_DAYS") + 6)
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if start_day >= end_day:
            raise CommandError("--from must be before --to")
        rows = case_counts_refresh(start=start_day, end=end_day)
        self.stdout.write(f"{rows} rows for {start_day}..{end_day - dt.timedelta(days=1)}")
