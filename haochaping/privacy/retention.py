"""Retention: citizens' identities are anonymised once their records are older than N years.

What goes: names, mobiles, ID numbers / credit codes, e-mail addresses, and the contact keys
that link callback interviews to a citizen. What stays: every rating, case and comment with its
level, reasons, text, unit, item, channel and times, so counts, rates, rankings and reports over
old periods do not change. Each table is processed in primary-key batches, one transaction per
batch; a dry run only counts. A row already anonymised is skipped, so a re-run resumes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from haochaping.core.clock import LOCAL_TZ, today
from haochaping.core.exceptions import InvalidInput


@dataclass(frozen=True)
class Rule:
    model: str  # app_label.Model
    older: Any  # callable(cutoff) -> Q
    fields: tuple[str, ...]


RULES: tuple[Rule, ...] = (
    Rule(
        "ratings.Rating",
        lambda c: Q(assessed_at__lt=c),
        ("evaluator_name", "evaluator_cert_no", "evaluator_mobile"),
    ),
    Rule(
        "cases.Case",
        lambda c: Q(accepted_at__lt=c) & (Q(completed_at__isnull=True) | Q(completed_at__lt=c)),
        ("applicant_name", "applicant_cert_no", "applicant_mobile"),
    ),
    Rule(
        "coverage.Comment",
        lambda c: Q(received_at__lt=c),
        ("submitter_name", "submitter_mobile", "submitter_email"),
    ),
    Rule("coverage.SampleEntry", lambda c: Q(sample__drawn_at__lt=c), ("contact_key",)),
    Rule("coverage.Interview", lambda c: Q(created_at__lt=c), ("contact_key",)),
    Rule("integrity.Fingerprint", lambda c: Q(at__lt=c), ("mobile",)),
    Rule("notifications.SmsMessage", lambda c: Q(created_at__lt=c), ("phone",)),
)


def default_years() -> int:
    return int(getattr(settings, "HAOCHAPING_RETENTION_YEARS", 3))


def cutoff_for(years: int, *, on: dt.date | None = None) -> dt.datetime:
    """Local midnight ``years`` years before ``on`` (29 February -> 28 February)."""
    day = on or today()
    try:
        start = day.replace(year=day.year - years)
    except ValueError:
        start = day.replace(year=day.year - years, day=28)
    return dt.datetime.combine(start, dt.time(), LOCAL_TZ)


def retention_anonymise(
    *, older_than_years: int | None = None, dry_run: bool = False, batch_size: int = 1000
) -> dict[str, Any]:
    """Blank the identities of records older than the cutoff; returns counts per table."""
    from django.apps import apps

    years = default_years() if older_than_years is None else older_than_years
    if years < 1:
        raise InvalidInput(
            extra={"errors": {"older_than_years": ["Keep identities for at least one year."]}}
        )
    cutoff = cutoff_for(years)
    counts: dict[str, int] = {}
    for rule in RULES:
        model = apps.get_model(rule.model)
        has_identity = Q()
        for name in rule.fields:
            has_identity |= ~Q(**{name: ""})
        qs = model.objects.filter(rule.older(cutoff)).filter(has_identity)
        if dry_run:
            counts[rule.model] = qs.count()
            continue
        done = 0
        blank = dict.fromkeys(rule.fields, "")
        while True:
            with transaction.atomic():
                pks = list(qs.order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                done += model.objects.filter(pk__in=pks).update(**blank)
        counts[rule.model] = done
    return {"cutoff": cutoff.isoformat(), "years": years, "dry_run": dry_run, "anonymised": counts}
