"""Every write of the reporting app: generate, comment, edit sections, submit, return, publish,
correct (a new version), and archive rendered files (once, never changed)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core.clock import now
from haochaping.core.exceptions import Conflict, InvalidInput
from haochaping.reporting import builders
from haochaping.reporting.enums import FileFormat, ReportKind, ReportState
from haochaping.reporting.events import report_event_record
from haochaping.reporting.models import Report, ReportComment, ReportFile
from haochaping.reporting.selectors import BUREAU_ROLES
from haochaping.reporting.transitions import assert_transition
from haochaping.results.periods import period_parse

SECTION_MAX = 20_000


def _bureau(user: Any) -> None:
    if user is not None:
        require_role(user, *BUREAU_ROLES)


def _lock(report_id: int) -> Report:
    return Report.objects.select_for_update().get(pk=report_id)


def normalise_period(kind: str, key: str) -> str:
    """``2026Q3`` / ``2026-q3`` / ``2026-Q3`` → ``2026-Q3``; InvalidInput when malformed."""
    if kind not in ReportKind.values:
        raise InvalidInput(extra={"errors": {"kind": [str(_("Unknown report kind."))]}})
    key = (key or "").strip().upper()
    if len(key) == 6 and key[4] == "Q":
        key = f"{key[:4]}-{key[4:]}"
    return period_parse(ReportKind(kind).grain, key).key


def _notify(users_role: str, message: str, params: dict[str, Any], url: str, dedup: str) -> None:
    from haochaping.notifications.services import notify

    recipients = get_user_model().objects.filter(role=users_role, is_active=True)
    notify(recipients=recipients, message=message, params=params, url=url, dedup_key=dedup)


def report_generate(*, kind: str, period_key: str, acting_user: Any = None) -> Report:
    """Version 1 of a report as a draft, its figures gathered now. Conflict if one exists.
    The figures are gathered before the transaction, so they come from the read replica when
    one is configured (haochaping.core.db)."""
    _bureau(acting_user)
    key = normalise_period(kind, period_key)
    _report_absent(kind, key)
    at = now()
    return _report_create(
        kind=kind,
        key=key,
        at=at,
        acting_user=acting_user,
        data=builders.gather(kind, key, as_of=at),
    )


def _report_absent(kind: str, key: str) -> None:
    if Report.objects.filter(kind=kind, period_key=key).exists():
        raise Conflict(_("This report already exists; correct it to make a new version."))


@transaction.atomic
def _report_create(*, kind: str, key: str, at: Any, acting_user: Any, data: dict) -> Report:
    _report_absent(kind, key)
    report = Report.objects.create(
        kind=kind,
        period_key=key,
        version=1,
        state=ReportState.DRAFT,
        data=data,
        created_at=at,
        updated_at=at,
        created_by=acting_user,
    )
    report_event_record(report=report, type="reporting.generated", acting_user=acting_user)
    _notify_draft(report)
    return report


def _notify_draft(report: Report) -> None:
    from django.urls import reverse

    _notify(
        Role.LIAISON,
        "reporting.draft_ready",
        {"kind": report.kind, "period": report.period_key},
        reverse("reports:detail", args=[report.pk]),
        f"reporting.draft.{report.pk}",
    )


@transaction.atomic
def report_comment_add(*, report_id: int, text: str, acting_user: Any) -> ReportComment:
    _bureau(acting_user)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(extra={"errors": {"text": [str(_("Write a comment."))]}})
    report = _lock(report_id)
    if not report.is_editable:
        raise Conflict(_("Comments are closed: this version is no longer under review."))
    comment = ReportComment.objects.create(
        report=report, author=acting_user, text=text[:5000], created_at=now()
    )
    report_event_record(
        report=report,
        type="reporting.commented",
        acting_user=acting_user,
        payload={"comment": comment.pk},
    )
    return comment


def _personal_data_problems(*texts: str) -> list[str]:
    from haochaping.results.services import _identifying_problems

    return [str(p) for p in _identifying_problems(*texts)]


@transaction.atomic
def report_sections_update(
    *, report_id: int, problems_found: str, typical_cases: str, acting_user: Any
) -> Report:
    """Edit the two text sections of an open version. A public bulletin refuses ID numbers,
    mobile numbers and case numbers (the same rule as the public site's typical cases)."""
    _bureau(acting_user)
    report = _lock(report_id)
    if not report.is_editable:
        raise Conflict(_("This version is published; correct it to make a new version."))
    errors: dict[str, list[str]] = {}
    for name, text in (("problems_found", problems_found), ("typical_cases", typical_cases)):
        if len(text) > SECTION_MAX:
            errors[name] = [str(_("The text is too long."))]
        elif report.audience == "public" and (problems := _personal_data_problems(text)):
            errors[name] = problems
    if errors:
        raise InvalidInput(extra={"errors": errors})
    report.problems_found, report.typical_cases = problems_found, typical_cases
    report.updated_at = now()
    report.save(update_fields=["problems_found", "typical_cases", "updated_at"])
    report_event_record(report=report, type="reporting.sections_edited", acting_user=acting_user)
    return report


def _move(report_id: int, target: str, acting_user: Any, event: str) -> Report:
    report = _lock(report_id)
    assert_transition(report.state, target)
    report.state = target
    report.updated_at = now()
    report.save(update_fields=["state", "updated_at"])
    report_event_record(report=report, type=event, acting_user=acting_user)
    return report


@transaction.atomic
def report_submit(*, report_id: int, acting_user: Any) -> Report:
    _bureau(acting_user)
    return _move(report_id, ReportState.IN_REVIEW, acting_user, "reporting.submitted")


@transaction.atomic
def report_return(*, report_id: int, acting_user: Any) -> Report:
    _bureau(acting_user)
    return _move(report_id, ReportState.DRAFT, acting_user, "reporting.returned")


@transaction.atomic
def report_publish(*, report_id: int, acting_user: Any) -> Report:
    """Publish a reviewed version; the version it corrects becomes superseded. The files are
    rendered and archived by a background job (``tasks.render_report_files``)."""
    _bureau(acting_user)
    report = _lock(report_id)
    assert_transition(report.state, ReportState.PUBLISHED)
    if report.supersedes_id:
        _move(report.supersedes_id, ReportState.SUPERSEDED, acting_user, "reporting.superseded")
    at = now()
    report.state, report.published_at, report.published_by = ReportState.PUBLISHED, at, acting_user
    report.updated_at = at
    report.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    report_event_record(report=report, type="reporting.published", acting_user=acting_user)
    report_id = report.pk
    transaction.on_commit(lambda: _enqueue_render(report_id))
    return report


def _enqueue_render(report_id: int) -> None:
    from haochaping.reporting.tasks import render_report_files

    render_report_files.enqueue(report_id=report_id)


@transaction.atomic
def report_correct(*, report_id: int, reason: str, acting_user: Any) -> Report:
    """A new draft version of a published report: figures gathered again, text sections copied.
    The published version stays published (and downloadable) until the correction is published."""
    _bureau(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(extra={"errors": {"reason": [str(_("Say what is corrected."))]}})
    old = _lock(report_id)
    if old.state != ReportState.PUBLISHED:
        raise Conflict(_("Only the published version can be corrected."))
    at = now()
    try:
        with transaction.atomic():
            new = Report.objects.create(
                kind=old.kind,
                period_key=old.period_key,
                version=old.version + 1,
                state=ReportState.DRAFT,
                data=builders.gather(old.kind, old.period_key, as_of=at),
                problems_found=old.problems_found,
                typical_cases=old.typical_cases,
                correction_reason=reason,
                supersedes=old,
                created_at=at,
                updated_at=at,
                created_by=acting_user,
            )
    except IntegrityError:
        raise Conflict(_("A correction of this report is already open.")) from None
    report_event_record(
        report=old,
        type="reporting.corrected",
        acting_user=acting_user,
        payload={"new_version": new.version, "reason": reason},
    )
    report_event_record(
        report=new,
        type="reporting.generated",
        acting_user=acting_user,
        payload={"corrects": old.version},
    )
    _notify_draft(new)
    return new


def render(report: Report, fmt: str, *, draft: bool = False) -> bytes:
    kwargs: dict[str, Any] = {
        "version": report.version,
        "problems_found": report.problems_found,
        "typical_cases": report.typical_cases,
    }
    if fmt == FileFormat.XLSX:
        from haochaping.reporting.xlsx import render_xlsx

        return render_xlsx(report.data, **kwargs)
    from haochaping.reporting.pdf import render_pdf

    return render_pdf(report.data, draft=draft, **kwargs)


@transaction.atomic
def report_files_archive(*, report_id: int) -> list[ReportFile]:
    """Render and archive the XLSX and PDF of a published version (idempotent: a file already
    archived is kept as it is, never rendered again)."""
    from django.urls import reverse

    report = _lock(report_id)
    if report.state not in ReportState.released_values():
        raise Conflict(_("Only published versions are archived."))
    done = set(report.files.values_list("format", flat=True))
    created = []
    for fmt in (FileFormat.XLSX, FileFormat.PDF):
        if fmt in done:
            continue
        content = render(report, fmt)
        created.append(
            ReportFile.objects.create(
                report=report,
                format=fmt,
                audience=report.audience,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                created_at=now(),
            )
        )
        report_event_record(
            report=report,
            type="reporting.file_archived",
            payload={"format": fmt, "sha256": created[-1].sha256},
        )
    if created and report.audience == "internal":
        _notify(
            Role.SUPERVISOR,
            "reporting.published",
            {"kind": report.kind, "period": report.period_key, "version": report.version},
            reverse("reports:detail", args=[report.pk]),
            f"reporting.published.{report.pk}",
        )
    return created


def monthly_drafts(*, period_key: str) -> list[Report]:
    """The monthly bulletin and bad-review report drafts of ``period_key`` (existing ones kept)."""
    out = []
    for kind in (ReportKind.MONTHLY_BULLETIN, ReportKind.MONTHLY_BAD_REVIEWS):
        existing = (
            Report.objects.filter(kind=kind, period_key=period_key).order_by("-version").first()
        )
        if existing is not None:
            out.append(existing)
            continue
        out.append(report_generate(kind=kind, period_key=period_key))
    return out
