"""Appeal pages (server-rendered): the rated staff member's notices and filing form, the
reviewer's queue and decision page, the city bureau's further-review queue, figures.

Views parse input, fetch through ``access_appeal`` / ``rectification_for_appellant``, call one
service and render. Refusals are pages with the right status: 403 wrong role, 404 unknown or
out of scope, 409 late filing or a state that does not allow the action, 422 bad input.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haochaping.accounts.access import access_appeal, require_role
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.appeals import selectors, services
from haochaping.appeals.enums import Outcome, Status
from haochaping.appeals.evidence import evidence_response
from haochaping.appeals.models import Appeal, RectificationNotice
from haochaping.appeals.transitions import FURTHER_REVIEW_AFTER, role_may
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import ApplicationError, InvalidInput
from haochaping.rectification.models import Rectification

EVIDENCE_ACCEPT = ".jpg,.jpeg,.png,.pdf"


class StaffRequest(HttpRequest):
    """A request behind @login_required."""

    user: User


def appeals_page(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return render(request, "appeals/error.html", {"error": exc}, status=exc.status)

    return wrapped


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def rating_facts(r: Rectification, *, viewer: Any) -> dict[str, Any]:
    """What the appeal pages show about the bad review: never the evaluator's identity; the
    rated staff member also does not get the case number or the receipt code."""
    rating = r.rating
    case = r.case
    facts: dict[str, Any] = {
        "item": case.item.name if case is not None and case.item_id else "",
        "unit": r.unit.name,
        "level": rating.get_level_display(),
        "channel": rating.get_channel_display(),
        "assessed_at": rating.assessed_at,
        "option_codes": list(rating.option_codes or []),
        "text": rating.text,
        "other_text": rating.other_text,
    }
    if viewer.is_superuser or viewer.role != Role.WINDOW_STAFF:
        facts["case_no"] = case.project_no if case is not None else ""
        facts["rectification_id"] = r.pk
    return facts


# --- the rated staff member -------------------------------------------------------------------


@appeals_page
@require_GET
def notices(request: StaffRequest) -> HttpResponse:
    """My rectification notices, each with its appeal deadline and the appeal if filed."""
    require_role(request.user, Role.WINDOW_STAFF)
    now = clock_now()
    rows = [
        (n, getattr(n.rectification, "appeal", None), now <= n.file_due_at)
        for n in selectors.notices_for_staff(request.user)[:200]
    ]
    return render(request, "appeals/notices.html", {"rows": rows})


def _file_context(request: StaffRequest, r: Rectification) -> dict[str, Any]:
    notice = RectificationNotice.objects.filter(rectification=r).first()
    return {
        "r": r,
        "notice": notice,
        "facts": rating_facts(r, viewer=request.user),
        "appeal": Appeal.objects.filter(rectification=r).first(),
        "open_for_filing": notice is None or clock_now() <= notice.file_due_at,
        "evidence_accept": EVIDENCE_ACCEPT,
    }


@appeals_page
@require_http_methods(["GET", "POST"])
def file(request: StaffRequest, rectification_id: int) -> HttpResponse:
    """The notice and the filing form (the rated staff member, or the unit's handler)."""
    r = selectors.rectification_for_appellant(request.user, rectification_id)
    if request.method == "GET":
        notice = RectificationNotice.objects.filter(rectification=r).first()
        if notice is not None:
            services.notice_mark_read(notice=notice, acting_user=request.user)
        return render(request, "appeals/file.html", _file_context(request, r))
    try:
        a = services.appeal_file(
            rectification_id=r.pk,
            reasons=request.POST.get("reasons", ""),
            files=request.FILES.getlist("files"),
            acting_user=request.user,
        )
    except InvalidInput as exc:
        context = _file_context(request, r)
        context.update(form_errors=exc.extra.get("errors", {}), posted=request.POST)
        return render(request, "appeals/file.html", context, status=422)
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        context = _file_context(request, r)
        context.update(refusal=exc, posted=request.POST)
        return render(request, "appeals/file.html", context, status=409)
    messages.success(
        request,
        _("Appeal %(appeal)s filed. The decision is due by %(due)s.")
        % {"appeal": a.label, "due": services._local(a.decision_due_at)},
    )
    return redirect(a.get_absolute_url())


# --- queues -----------------------------------------------------------------------------------


@appeals_page
@require_GET
def queue(request: StaffRequest) -> HttpResponse:
    """Reviewers: appeals routed to their reviewing units, pending first. Others: the appeals
    they may read."""
    require_role(
        request.user,
        Role.WINDOW_STAFF,
        Role.HANDLER,
        Role.REVIEWER,
        Role.LIAISON,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMIN,
    )
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    rows = list(selectors.appeal_queue(request.user, status=status)[:500])
    now = clock_now()
    is_staff_member = request.user.role == Role.WINDOW_STAFF and not request.user.is_superuser
    open_notices = []
    if is_staff_member:
        open_notices = [
            n
            for n in selectors.notices_for_staff(request.user)[:200]
            if now <= n.file_due_at and not hasattr(n.rectification, "appeal")
        ]
    return render(
        request,
        "appeals/queue.html",
        {
            "open_notices": open_notices,
            "pending": [a for a in rows if a.status == Status.PENDING],
            "others": [a for a in rows if a.status != Status.PENDING],
            "statuses": Status.choices,
            "status": status,
            "now": now,
            "is_staff_member": is_staff_member,
        },
    )


@appeals_page
@require_GET
def further(request: StaffRequest) -> HttpResponse:
    """The city bureau's further reviews."""
    require_role(request.user, Role.REVIEWER, Role.LIAISON, Role.ADMIN)
    rows = list(selectors.further_queue(request.user)[:500])
    return render(
        request,
        "appeals/further.html",
        {
            "pending": [a for a in rows if a.status == Status.FURTHER_REVIEW],
            "done": [a for a in rows if a.status == Status.FINAL],
            "now": clock_now(),
        },
    )


@appeals_page
@require_GET
def figures(request: StaffRequest) -> HttpResponse:
    require_role(
        request.user, Role.REVIEWER, Role.LIAISON, Role.SUPERVISOR, Role.LEADER, Role.ADMIN
    )
    by = "reviewer" if request.GET.get("by") == "reviewer" else "unit"
    return render(
        request,
        "appeals/figures.html",
        {"fig": selectors.appeal_figures(request.user, by=by), "by": by},
    )


# --- one appeal -------------------------------------------------------------------------------


def _detail_context(request: StaffRequest, a: Appeal) -> dict[str, Any]:
    user = request.user
    now = clock_now()
    su = user.is_superuser
    can_decide = (
        a.status == Status.PENDING
        and (su or role_may(user.role, "decide"))
        and selectors.unit_in_scope(user, a.reviewer_unit)
    )
    can_request = (
        a.status == Status.DECIDED
        and a.outcome in FURTHER_REVIEW_AFTER
        and (su or role_may(user.role, "request_further"))
        and (a.further_request_due_at is None or now <= a.further_request_due_at)
    )
    can_decide_further = (
        a.status == Status.FURTHER_REVIEW
        and a.further_unit is not None
        and (su or role_may(user.role, "decide_further"))
        and selectors.unit_in_scope(user, a.further_unit)
        and user.pk != a.decided_by_id
    )
    return {
        "a": a,
        "facts": rating_facts(a.rectification, viewer=user),
        "timeline": selectors.timeline(a),
        "evidence": selectors.evidence_list(a),
        "outcomes": Outcome.choices,
        "can_decide": can_decide,
        "can_request": can_request,
        "can_decide_further": can_decide_further,
        "now": now,
    }


@appeals_page
@require_GET
def detail(request: StaffRequest, appeal_id: int) -> HttpResponse:
    a = access_appeal(request.user, appeal_id)
    return render(request, "appeals/detail.html", _detail_context(request, a))


def _act(request: StaffRequest, appeal_id: int, run) -> HttpResponse:
    try:
        a = run()
    except InvalidInput as exc:
        a = access_appeal(request.user, appeal_id)
        context = _detail_context(request, a)
        context.update(form_errors=exc.extra.get("errors", {}), posted=request.POST)
        return render(request, "appeals/detail.html", context, status=422)
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        a = access_appeal(request.user, appeal_id)
        context = _detail_context(request, a)
        context.update(conflict=exc)
        return render(request, "appeals/detail.html", context, status=409)
    messages.success(request, _("Saved: %(status)s.") % {"status": a.get_status_display()})
    return redirect(a.get_absolute_url())


@appeals_page
@require_POST
def decide(request: StaffRequest, appeal_id: int) -> HttpResponse:
    p = request.POST
    return _act(
        request,
        appeal_id,
        lambda: services.appeal_decide(
            appeal_id=appeal_id,
            outcome=p.get("outcome", ""),
            reason=p.get("reason", ""),
            acting_user=request.user,
            expected_version=_int(p.get("version")),
        ),
    )


@appeals_page
@require_POST
def request_further(request: StaffRequest, appeal_id: int) -> HttpResponse:
    p = request.POST
    return _act(
        request,
        appeal_id,
        lambda: services.appeal_request_further(
            appeal_id=appeal_id,
            reason=p.get("reason", ""),
            acting_user=request.user,
            expected_version=_int(p.get("version")),
        ),
    )


@appeals_page
@require_POST
def decide_further(request: StaffRequest, appeal_id: int) -> HttpResponse:
    p = request.POST
    return _act(
        request,
        appeal_id,
        lambda: services.appeal_decide_further(
            appeal_id=appeal_id,
            outcome=p.get("outcome", ""),
            reason=p.get("reason", ""),
            acting_user=request.user,
            expected_version=_int(p.get("version")),
        ),
    )


@appeals_page
@require_GET
def evidence_download(request: StaffRequest, appeal_id: int, evidence_id: int) -> FileResponse:
    a = access_appeal(request.user, appeal_id)
    return evidence_response(a, evidence_id)
