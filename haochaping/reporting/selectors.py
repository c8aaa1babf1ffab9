"""Reads of reports, scoped by role: the bureau sees every version; supervision and leaders see
released (published or superseded) versions; the public sees released public files only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core.exceptions import NotFound
from haochaping.reporting.enums import Audience, ReportState
from haochaping.reporting.models import Report, ReportFile

BUREAU_ROLES = (Role.ADMIN, Role.LIAISON)
READER_ROLES = (Role.ADMIN, Role.LIAISON, Role.SUPERVISOR, Role.LEADER)


def is_bureau(user: Any) -> bool:
    return bool(user.is_superuser or user.role in BUREAU_ROLES)


def report_list_for(user: Any) -> QuerySet[Report]:
    require_role(user, *READER_ROLES)
    qs = Report.objects.all()
    if not is_bureau(user):
        qs = qs.filter(state__in=ReportState.released_values())
    return qs


def access_report(user: Any, report_id: int, *, for_update: bool = False) -> Report:
    qs = report_list_for(user)
    if for_update:
        qs = qs.select_for_update()
    report = qs.filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    return report


def access_report_file(user: Any, file_id: int) -> ReportFile:
    visible = report_list_for(user)
    f = ReportFile.objects.select_related("report").filter(pk=file_id, report__in=visible).first()
    if f is None:
        raise NotFound()
    return f


def public_file_list() -> QuerySet[ReportFile]:
    """Files of released public reports, newest period first (superseded versions stay listed)."""
    return (
        ReportFile.objects.filter(
            audience=Audience.PUBLIC, report__state__in=ReportState.released_values()
        )
        .select_related("report")
        .defer("content")
        .order_by("-report__period_key", "-report__version", "format")
    )


def public_file_get(file_id: int) -> ReportFile:
    f = public_file_list().filter(pk=file_id).first()
    if f is None:
        raise NotFound()
    return ReportFile.objects.select_related("report").get(pk=f.pk)
