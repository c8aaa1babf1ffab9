"""Integrity checks for bulk-imported ratings, in the background.

The ratings importer's PostgreSQL fast path writes ratings with INSERT ... SELECT, so
``pipeline.check_rating`` (which runs inside ``rating_submit``) never sees them. It sends
``ratings_imported`` once per chunk, inside the chunk's transaction; the receiver here queues one
job per chunk there (the job row commits with the ratings). The job runs the same checks
(``pipeline.run_checks``) over the chunk in batches, in the order the ratings were assessed,
stores each rating's fingerprint (so later ratings are compared with imported ones) and records
the findings with ``services.findings_record``.

An imported rating is already accepted and counted, so nothing is deleted: a check whose outcome
is "reject" is recorded as a flag like any other and the rating goes to the bureau's review
queue, where confirming it excludes the rating. A rating that already has a fingerprint was
checked before (the job runs at least once), so a second run checks nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django_tasks import task

from haochaping.integrity.conf import integrity_enabled
from haochaping.integrity.models import Fingerprint
from haochaping.integrity.pipeline import run_checks
from haochaping.integrity.services import findings_record
from haochaping.jobs.retry import retry_policy
from haochaping.ratings.events import id_runs, ids_of_runs, ratings_imported

BATCH = 200


def imported_ratings_check(rating_ids: list[int]) -> dict[str, int]:
    """Check these ratings (those not checked yet); returns counts of checked and flagged."""
    from haochaping.ratings.models import Rating

    checked = flagged = 0
    if not integrity_enabled():
        return {"checked": 0, "flagged": 0}
    ids = sorted(rating_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with transaction.atomic():
            done = set(
                Fingerprint.objects.filter(rating_id__in=batch).values_list("rating_id", flat=True)
            )
            ratings = (
                Rating.objects.filter(pk__in=batch, is_system_default=False)
                .exclude(pk__in=done)
                .select_related("case")
                .order_by("assessed_at", "pk")
            )
            for rating in ratings:
                fingerprint, findings = run_checks(rating)
                fingerprint.save(force_insert=True)
                checked += 1
                if findings:
                    findings_record(rating=rating, findings=findings)
                    flagged += 1
    return {"checked": checked, "flagged": flagged}


@task()
@retry_policy(max_attempts=5, base_delay=60)
def integrity_check_imported(runs: list[list[int]]) -> dict[str, int]:
    return imported_ratings_check(ids_of_runs(runs))


@receiver(ratings_imported, dispatch_uid="integrity.check_imported")
def check_imported(sender: Any, rating_ids: list[int], **kwargs: Any) -> None:
    if integrity_enabled() and rating_ids:
        integrity_check_imported.enqueue(id_runs(rating_ids))
