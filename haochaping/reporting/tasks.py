"""Background entry points: draft the monthly reports; render and archive a published version."""

from __future__ import annotations

from django_tasks import task

from haochaping.core.clock import today
from haochaping.results.enums import Grain
from haochaping.results.periods import period_containing, period_parse


@task()
def monthly_report(period: str | None = None) -> dict[str, list[int]]:
    """Registered as ``monthly-report`` (first working day of the month): ``period`` is the
    current month's key (``2026-11``); the drafts are for the month before it (``2026-10``)."""
    from haochaping.reporting.services import monthly_drafts

    current = (
        period_parse(Grain.MONTH, period) if period else period_containing(Grain.MONTH, today())
    )
    reports = monthly_drafts(period_key=current.previous().key)
    return {"reports": [r.pk for r in reports]}


@task()
def render_report_files(report_id: int) -> dict[str, list[str]]:
    from haochaping.reporting.services import report_files_archive

    files = report_files_archive(report_id=report_id)
    return {"sha256": [f.sha256 for f in files]}
