"""The workbench pages (server-rendered, htmx for filters and the contact reveal).

Views parse input, fetch through ``access_rectification``, call one service and render.
Refusals are pages with the right status: 403 wrong role, 404 unknown or out of scope,
409 someone else acted first or the state does not allow the action, 422 bad input.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haochaping.accounts.access import access_rectification, require_role, unit_list_for
from haochaping.accounts.enums import Role
from haochaping.core.exceptions import ApplicationError, InvalidInput, NotFound, PermissionDenied
from haochaping.rectification import selectors, services
from haochaping.rectification.contact import contact_of
from haochaping.rectification.enums import (
    Action,
    AfterUnsatisfied,
    CallbackMethod,
    CallbackOutcome,
    ClockState,
    FixSatisfaction,
    Status,
)
from haochaping.rectification.models import Rectification
from haochaping.rectification.transitions import OPERATION_ROLES, READ_ROLES, TRANSITIONS, role_may

# Callback, close, reopen and escalate are one form: the callback's outcome picks the action.
CALLBACK_ACTIONS = {Action.CALLBACK, Action.CLOSE, Action.REOPEN, Action.ESCALATE}


def _error_page(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "rectification/error.html", {"error": exc}, status=exc.status)


def workbench_page(view):
    """Logged in; ApplicationErrors become pages with their status (403, 404, 409, 422)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return _error_page(request, exc)

    return wrapped


def _require_reader(user: Any) -> None:
    if not user.is_superuser and user.role not in READ_ROLES:
        raise PermissionDenied(_("Your role has no access to bad-review rectification."))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- lists -------------------------------------------------------------------------------------


@workbench_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """My queue: open items in my scope with the remaining working days of the running clock."""
    _require_reader(request.user)
    filters = selectors.QueueFilters(
        status=request.GET.get("status", "")
        if request.GET.get("status", "") in Status.values
        else "",
        clock_state=request.GET.get("clock", "")
        if request.GET.get("clock", "") in ClockState.values
        else "",
        unit_id=_int(request.GET.get("unit")),
        q=request.GET.get("q", "")[:64],
        mine=request.GET.get("mine") == "1",
    )
    rows = selectors.with_clocks(
        list(selectors.rectification_queue(request.user, filters)[:500]),
        clock_state=filters.clock_state,
    )
    context = {
        "rows": rows,
        "filters": filters,
        "statuses": Status.choices,
        "clock_states": [c for c in ClockState.choices if c[0] != ClockState.NONE],
        "units": unit_list_for(request.user)
        .filter(rectifications__isnull=False)
        .distinct()
        .order_by("name"),
    }
    template = "rectification/_queue_table.html" if request.htmx else "rectification/queue.html"
    return render(request, template, context)


@workbench_page
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The bureau's overview of all open items by unit, with overdue counts."""
    require_role(request.user, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN, Role.LEADER)
    rows = selectors.overview_by_unit(request.user)
    totals = {
        k: sum(r[k] for r in rows)
        for k in ("open", "overdue", "new", "working", "callback", "escalated", "paused")
    }
    return render(
        request,
        "rectification/overview.html",
        {"rows": rows, "totals": totals, "rate": selectors.callback_rate(request.user)},
    )


@workbench_page
@require_GET
def callbacks(request: HttpRequest) -> HttpResponse:
    """The liaison's callback queue: feedback to check, then callbacks to make."""
    require_role(request.user, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN)
    rows = selectors.with_clocks(list(selectors.callback_queue(request.user)))
    return render(
        request,
        "rectification/callbacks.html",
        {
            "to_check": [p for p in rows if p[0].status == Status.FEEDBACK_GIVEN],
            "to_call": [p for p in rows if p[0].status == Status.AWAITING_CALLBACK],
            "rate": selectors.callback_rate(request.user),
        },
    )


# --- the detail page ---------------------------------------------------------------------------


def _detail_context(request: HttpRequest, r: Rectification) -> dict[str, Any]:
    user = request.user
    allowed = [a for a in TRANSITIONS[r.status] if user.is_superuser or role_may(user.role, a)]
    may = {op: user.is_superuser or user.role in roles for op, roles in OPERATION_ROLES.items()}
    contact = contact_of(r)
    return {
        "r": r,
        "clock": selectors.clock_info(r),
        "timeline": selectors.timeline(r),
        "callbacks_done": list(r.callbacks.all()),
        "actions": [a for a in allowed if a not in CALLBACK_ACTIONS],
        "can_callback": any(a in CALLBACK_ACTIONS for a in allowed),
        "can_reopen": r.reopen_count < 1,
        "may": may,
        "contact": contact.masked,
        "has_contact": contact.present,
        "Action": Action,
        "methods": CallbackMethod.choices,
        "outcomes": CallbackOutcome.choices,
        "satisfactions": FixSatisfaction.choices,
        "afters": AfterUnsatisfied.choices,
        "evidence_accept": ".jpg,.jpeg,.png,.pdf",
    }


@workbench_page
@require_GET
def detail(request: HttpRequest, rectification_id: int) -> HttpResponse:
    r = access_rectification(request.user, rectification_id)
    return render(request, "rectification/detail.html", _detail_context(request, r))


def _files(request: HttpRequest) -> list:
    return request.FILES.getlist("files")


def _run_action(request: HttpRequest, rectification_id: int, action: str) -> Rectification:
    p = request.POST
    common = {
        "rectification_id": rectification_id,
        "acting_user": request.user,
        "expected_version": _int(p.get("version")),
    }
    note = p.get("note", "")
    if action == Action.CONTACT:
        return services.rectification_contact(note=note, files=_files(request), **common)
    if action == Action.FIX_AT_ONCE:
        return services.rectification_fix_at_once(note=note, files=_files(request), **common)
    if action == Action.START:
        return services.rectification_start(
            note=note,
            is_complex=p.get("complex") == "on",
            complex_reason=p.get("complex_reason", ""),
            files=_files(request),
            **common,
        )
    if action == Action.MARK_COMPLEX:
        return services.rectification_mark_complex(reason=p.get("complex_reason", ""), **common)
    if action == Action.EXPLAIN:
        return services.rectification_explain(note=note, files=_files(request), **common)
    if action == Action.FEEDBACK:
        return services.rectification_feedback(note=note, files=_files(request), **common)
    if action == Action.ACCEPT_FEEDBACK:
        return services.rectification_accept_feedback(note=note, **common)
    if action == Action.RETURN:
        return services.rectification_return(note=note, **common)
    if action == Action.CALLBACK:
        return services.rectification_callback(
            method=p.get("method", ""),
            outcome=p.get("outcome", ""),
            satisfaction=p.get("satisfaction", "")
            if p.get("outcome") == CallbackOutcome.REACHED
            else "",
            after_unsatisfied=p.get("after_unsatisfied", ""),
            note=note,
            files=_files(request),
            **common,
        )
    if action == Action.SUPERVISION_CLOSE:
        return services.rectification_supervision_close(note=note, files=_files(request), **common)
    if action == Action.SUPERVISION_RETURN:
        return services.rectification_supervision_return(note=note, **common)
    if action == Action.WITHDRAW:
        return services.rectification_withdraw(note=note, **common)
    raise NotFound()


@workbench_page
@require_POST
def act(request: HttpRequest, rectification_id: int, action: str) -> HttpResponse:
    """Every transition form posts here; success goes back to the detail page."""
    try:
        r = _run_action(request, rectification_id, action)
    except InvalidInput as exc:
        r = access_rectification(request.user, rectification_id)
        context = _detail_context(request, r)
        context.update(
            form_errors=exc.extra.get("errors", {}), failed_action=action, posted=request.POST
        )
        return render(request, "rectification/detail.html", context, status=422)
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        r = access_rectification(request.user, rectification_id)
        context = _detail_context(request, r)
        context.update(conflict=exc)
        return render(request, "rectification/detail.html", context, status=409)
    messages.success(request, _("Saved: %(status)s.") % {"status": r.get_status_display()})
    return redirect(r.get_absolute_url())


@workbench_page
@require_POST
def operate(request: HttpRequest, rectification_id: int, operation: str) -> HttpResponse:
    """Urge, comment, spot-check, pause, resume and evidence uploads."""
    note = request.POST.get("note", "")
    kw = {"rectification_id": rectification_id, "acting_user": request.user}
    try:
        if operation == "urge":
            services.rectification_urge(note=note, **kw)
        elif operation == "comment":
            services.rectification_comment(note=note, **kw)
        elif operation == "spot_check":
            services.rectification_spot_check(note=note, **kw)
        elif operation == "pause":
            services.rectification_pause(reason=note, **kw)
        elif operation == "resume":
            services.rectification_resume(note=note, **kw)
        elif operation == "evidence":
            services.rectification_evidence_add(files=_files(request), note=note, **kw)
        elif operation == "invite_self_rating":
            from haochaping.channels.services import public_base_url

            services.rectification_invite_self_rating(base_url=public_base_url(request), **kw)
        else:
            raise NotFound()
    except InvalidInput as exc:
        r = access_rectification(request.user, rectification_id)
        context = _detail_context(request, r)
        context.update(
            form_errors=exc.extra.get("errors", {}), failed_action=operation, posted=request.POST
        )
        return render(request, "rectification/detail.html", context, status=422)
    messages.success(request, _("Recorded on the timeline."))
    return redirect("rectification:detail", rectification_id)


@workbench_page
@require_POST
def reveal(request: HttpRequest, rectification_id: int) -> HttpResponse:
    """Show the full contact (htmx swaps the contact box); the reveal is logged."""
    try:
        contact = services.rectification_contact_reveal(
            rectification_id=rectification_id,
            reason=request.POST.get("reason", ""),
            acting_user=request.user,
        )
    except InvalidInput:
        r = access_rectification(request.user, rectification_id)
        return render(
            request,
            "rectification/_contact.html",
            {
                "r": r,
                "contact": contact_of(r).masked,
                "has_contact": True,
                "may": {"reveal_contact": True},
                "reveal_error": _("Give a reason for seeing the contact."),
            },
            status=200 if request.htmx else 422,
        )
    r = access_rectification(request.user, rectification_id)
    context = {"r": r, "contact": contact, "revealed": True, "has_contact": True}
    if request.htmx:
        return render(request, "rectification/_contact.html", context)
    full = _detail_context(request, r)
    full.update(context)
    return render(request, "rectification/detail.html", full)


def evidence_response(r: Rectification, evidence_id: int) -> FileResponse:
    evidence = selectors.evidence_get(r, evidence_id)
    if evidence is None:
        raise NotFound()
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@workbench_page
@require_GET
def evidence_download(
    request: HttpRequest, rectification_id: int, evidence_id: int
) -> HttpResponse:
    r = access_rectification(request.user, rectification_id)
    return evidence_response(r, evidence_id)


def self_rating(request: HttpRequest, token: str) -> HttpResponse:
    """Public page (no login): the citizen says how satisfied they are with the fix."""
    from haochaping.rectification.selfrating import self_rating_parse

    parsed = self_rating_parse(token)
    r = (
        Rectification.objects.select_related("case", "unit").filter(pk=parsed[0]).first()
        if parsed
        else None
    )
    if r is None or parsed is None or r.reopen_count != parsed[1]:
        return render(request, "rectification/self_rating.html", {"invalid": True}, status=404)
    context: dict[str, Any] = {"r": r, "token": token, "choices": FixSatisfaction.choices}
    if request.method == "POST":
        try:
            services.rectification_self_rate(
                token=token, satisfaction=request.POST.get("satisfaction", "")
            )
        except InvalidInput:
            context["error"] = _("Choose one answer.")
            return render(request, "rectification/self_rating.html", context, status=422)
        except ApplicationError:
            context["already"] = True
            return render(request, "rectification/self_rating.html", context, status=409)
        context["thanks"] = True
    elif r.status != Status.AWAITING_CALLBACK:
        context["already"] = True
    return render(request, "rectification/self_rating.html", context)
