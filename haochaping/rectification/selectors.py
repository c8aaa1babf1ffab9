"""Reads of rectification: queues, the bureau's overview, clocks, callback rate, case summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from haochaping.accounts.access import unit_scope_q
from haochaping.core.clock import now as clock_now
from haochaping.rectification.conf import rect_setting
from haochaping.rectification.enums import CallbackOutcome, ClockState, Status
from haochaping.rectification.models import Evidence, Rectification, RectificationEvent
from haochaping.rectification.transitions import READ_ROLES
from haochaping.workdays.arithmetic import workdays_between

S = Status
CONTACT_STATES = (S.NEW, S.REOPENED)
FEEDBACK_STATES = (S.CONTACTED, S.RECTIFYING)
CLOSE_STATES = (S.FEEDBACK_GIVEN, S.AWAITING_CALLBACK)


def rectification_list_for(user: Any) -> QuerySet[Rectification]:
    """Every rectification of a unit in the user's scope (none for roles that may not read)."""
    if not user.is_authenticated or (not user.is_superuser and user.role not in READ_ROLES):
        return Rectification.objects.none()
    return Rectification.objects.filter(unit_scope_q(user, prefix="unit__"))


def overdue_q(now: dt.datetime) -> Q:
    """Open, not paused, and past the deadline of the clock its state runs against."""
    return Q(paused_at__isnull=True) & (
        Q(status__in=CONTACT_STATES, contact_due_at__lt=now)
        | Q(status__in=FEEDBACK_STATES, feedback_due_at__lt=now)
        | Q(status__in=CLOSE_STATES, close_due_at__lt=now)
    )


@dataclass(frozen=True)
class ClockInfo:
    name: str  # contact | feedback | close | ""
    due_at: dt.datetime | None
    remaining_workdays: int | None  # working days from today to the due day (negative: late)
    state: ClockState


def clock_info(r: Rectification, *, now: dt.datetime | None = None) -> ClockInfo:
    now = now or clock_now()
    name, due = r.running_clock()
    if due is None or not r.is_open:
        return ClockInfo(name, due, None, ClockState.NONE)
    remaining = workdays_between(now, due, r.unit.region.code)
    if now > due and not r.is_paused:
        state = ClockState.OVERDUE
    elif remaining <= rect_setting("WARN_REMAINING_WORKDAYS"):
        state = ClockState.WARNING
    else:
        state = ClockState.OK
    return ClockInfo(name, due, remaining, state)


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    clock_state: str = ""
    unit_id: int | None = None
    q: str = ""
    open_only: bool = True
    mine: bool = False


def rectification_queue(user: Any, filters: QueueFilters | None = None) -> QuerySet[Rectification]:
    """The workbench list: in scope, filtered (clock_state is applied by :func:`with_clocks`)."""
    f = filters or QueueFilters()
    qs = rectification_list_for(user).select_related(
        "unit__region", "case__item", "handler", "rating"
    )
    if f.open_only and not f.status:
        qs = qs.filter(status__in=Status.open_values())
    if f.status:
        qs = qs.filter(status=f.status)
    if f.unit_id:
        qs = qs.filter(unit_id=f.unit_id)
    if f.q:
        term = f.q.strip()
        qs = qs.filter(
            Q(case__project_no__icontains=term)
            | Q(unit__name__icontains=term)
            | Q(rating__receipt__iexact=term)
        )
    if f.mine:
        qs = qs.filter(handler=user)
    if f.clock_state == ClockState.OVERDUE:
        qs = qs.filter(overdue_q(clock_now()))
    return qs.order_by("opened_at", "pk")


def with_clocks(
    rows: list[Rectification], *, clock_state: str = "", now: dt.datetime | None = None
) -> list[tuple[Rectification, ClockInfo]]:
    now = now or clock_now()
    pairs = [(r, clock_info(r, now=now)) for r in rows]
    if clock_state:
        pairs = [(r, c) for r, c in pairs if c.state == clock_state]
    order = {ClockState.OVERDUE: 0, ClockState.WARNING: 1, ClockState.OK: 2, ClockState.NONE: 3}
    return sorted(pairs, key=lambda p: (order[p[1].state], p[1].due_at or now, p[0].pk))


def callback_queue(user: Any) -> QuerySet[Rectification]:
    """The liaison's queue: feedback to check, then items awaiting callback, oldest deadline first."""
    return (
        rectification_list_for(user)
        .filter(status__in=CLOSE_STATES)
        .select_related("unit__region", "case__item", "handler", "rating")
        .order_by("close_due_at", "pk")
    )


def overview_by_unit(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The bureau's overview: open items per unit with overdue counts (one query)."""
    now = now or clock_now()
    rows = (
        rectification_list_for(user)
        .filter(status__in=Status.open_values())
        .values("unit_id", "unit__name", "unit__region__name")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)),
            new=Count("pk", filter=Q(status__in=CONTACT_STATES)),
            working=Count("pk", filter=Q(status__in=FEEDBACK_STATES)),
            callback=Count("pk", filter=Q(status__in=CLOSE_STATES)),
            escalated=Count("pk", filter=Q(status=S.ESCALATED)),
            paused=Count("pk", filter=Q(paused_at__isnull=False)),
        )
        .order_by("-overdue", "-open", "unit__name")
    )
    return list(rows)


def timeline(r: Rectification) -> QuerySet[RectificationEvent]:
    return (
        RectificationEvent.objects.filter(rectification=r)
        .select_related("acting_user")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def evidence_get(r: Rectification, evidence_id: int) -> Evidence | None:
    return Evidence.objects.filter(rectification=r, pk=evidence_id).first()


def callback_rate(
    user: Any, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, Any]:
    """实名差评回访率 (target 100%): of the real-name bad reviews whose feedback was given (the
    callback is due), the share with at least one callback that reached the citizen. Also the
    share satisfied (满意 or 基本满意) at their latest reached callback."""
    qs = rectification_list_for(user).filter(is_real_name=True, feedback_at__isnull=False)
    qs = qs.exclude(status=S.WITHDRAWN)
    if since is not None:
        qs = qs.filter(opened_at__gte=since)
    if until is not None:
        qs = qs.filter(opened_at__lt=until)
    figures = qs.aggregate(
        due=Count("pk", distinct=True),
        called=Count("pk", distinct=True, filter=Q(callbacks__outcome=CallbackOutcome.REACHED)),
    )
    satisfied = qs.filter(fix_satisfaction__in=["satisfied", "basic"]).count()
    due, called = figures["due"], figures["called"]
    return {
        "due": due,
        "called_back": called,
        "rate": round(called / due, 4) if due else None,
        "satisfied": satisfied,
        "satisfied_rate": round(satisfied / called, 4) if called else None,
        "definition": "real-name bad reviews with feedback given; called back = reached at least once",
    }


def _wire(value: dt.datetime | None) -> str | None:
    from haochaping.core.clock import LOCAL_TZ

    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else None


def rectification_summary_for_case(case: Any) -> dict[str, Any] | None:
    """The latest rectification of a case, for GET /api/v1/cases/{projectNo} (None: none)."""
    r = (
        Rectification.objects.filter(case=case)
        .select_related("unit__region")
        .order_by("-opened_at", "-pk")
        .first()
    )
    if r is None:
        return None
    info = clock_info(r)
    return {
        "id": r.pk,
        "status": r.status,
        "statusLabel": str(r.get_status_display()),
        "deptCode": r.unit.credit_code,
        "openedAt": _wire(r.opened_at),
        "contactDue": _wire(r.contact_due_at),
        "contactedAt": _wire(r.contacted_at),
        "feedbackDue": _wire(r.feedback_due_at),
        "feedbackAt": _wire(r.feedback_at),
        "closeDue": _wire(r.close_due_at),
        "closedAt": _wire(r.closed_at),
        "complex": r.is_complex,
        "paused": r.is_paused,
        "overdue": info.state == ClockState.OVERDUE,
        "satisfaction": r.fix_satisfaction or None,
    }
