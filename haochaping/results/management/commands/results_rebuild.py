"""Rebuild the trigger-kept rating summaries (per unit and day/month, reason codes) from scratch."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from haochaping.results.services import summaries_rebuild


class Command(BaseCommand):
    help = "Recompute results summaries from ratings_ratingrollup and the ratings' reason codes."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(summaries_rebuild()))
