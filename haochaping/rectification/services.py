"""Every write of bad-review rectification. One service per transition, always in this order:

1. ``@transaction.atomic``; 2. lock the row (``access_rectification(..., for_update=True)``, or a
plain ``select_for_update`` for system actions); 3. check the role, the expected ``version``
and ``assert_transition``; 4. set fields, ``save(update_fields=...)``; 5. the timeline row;
6. side effects (inbox and SMS rows) in the same transaction (outbox style).

Concurrency: the row lock serialises two people acting on one item; the loser sees either a
changed ``version`` (when it sent the version it read: Conflict, 409) or a state that no longer
allows its action (InvalidTransition, 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from haochaping.accounts.access import access_rectification
from haochaping.accounts.models import User
from haochaping.core import bulk
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import Conflict, InvalidInput, InvalidTransition, NotFound
from haochaping.jobs.escalation import (
    EscalationLevel,
    escalation_recipient_list,
    escalation_recipients,
)
from haochaping.notifications.services import NotifyDelivery, notify, notify_many
from haochaping.org.models import Unit
from haochaping.privacy.services import reveal_log_record
from haochaping.rectification import events
from haochaping.rectification.conf import rect_setting
from haochaping.rectification.contact import Contact, contact_of
from haochaping.rectification.enums import (
    Action,
    AfterUnsatisfied,
    CallbackMethod,
    CallbackOutcome,
    FixSatisfaction,
    Resolution,
    Status,
)
from haochaping.rectification.evidence import evidence_store, validate_evidence
from haochaping.rectification.models import (
    Callback,
    ContactReveal,
    Evidence,
    HandlerDesignation,
    Rectification,
    RectificationEvent,
)
from haochaping.rectification.transitions import (
    assert_can_reopen,
    assert_operation_role,
    assert_role,
    assert_transition,
)
from haochaping.workdays.arithmetic import add_workdays, workdays_between

NOTE_MAX = 2000


# --- routing ---------------------------------------------------------------------------------


def responsible_unit(rating: Any) -> Unit:
    """谁办理、谁负责: the unit that handled the case; without one, the owning unit of the service
    item; for 综合点评 (no case) the unit the comment names."""
    case = rating.case
    if case is not None and case.unit_id:
        return case.unit
    if rating.item_id:
        return rating.item.unit
    return rating.unit


def designated_handler(unit: Unit) -> User | None:
    """The primary designated handler of the unit or its nearest ancestor; else the nearest
    active handler account whose scope covers the unit (see jobs.escalation)."""
    ancestor_ids = [int(p) for p in reversed(unit.path.strip("/").split("/")) if p.isdigit()]
    designations = {
        d.unit_id: d.user
        for d in HandlerDesignation.objects.filter(
            unit_id__in=ancestor_ids, is_backup=False, user__is_active=True
        ).select_related("user")
    }
    for unit_id in ancestor_ids:
        if unit_id in designations:
            return designations[unit_id]
    return escalation_recipients(EscalationLevel.HANDLER, unit=unit).order_by("pk").first()


def _region(r: Rectification) -> str:
    return r.unit.region.code


def _due(start: dt.datetime, days: int, region: str) -> dt.datetime:
    return add_workdays(start, days, region)


def _notify_handlers(r: Rectification, message: str, params: dict[str, Any]) -> None:
    recipients: Any = [r.handler] if r.handler_id and r.handler.is_active else []
    if not recipients:
        recipients = escalation_recipients(EscalationLevel.HANDLER, unit=r.unit)
    notify(
        recipients=recipients, message=message, params=params, url=r.get_absolute_url(), sms=True
    )


def _iso(value: dt.datetime) -> str:
    from haochaping.core.clock import LOCAL_TZ

    return value.astimezone(LOCAL_TZ).isoformat()


def _local(value: dt.datetime | None) -> str:
    from haochaping.core.clock import LOCAL_TZ

    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


# --- opening ---------------------------------------------------------------------------------


@transaction.atomic
def rectification_open(*, rating: Any, acting_user: Any = None) -> Rectification:
    """Open the rectification of a valid bad rating (idempotent: one open per rating, which the
    database also enforces). Called by the ``bad_review_received`` receiver inside the rating's
    transaction."""
    existing = Rectification.objects.filter(rating=rating, status__in=Status.open_values()).first()
    if existing is not None:
        return existing
    unit = Unit.objects.select_related("region").get(pk=responsible_unit(rating).pk)
    now = clock_now()
    region = unit.region.code
    contact_days = rect_setting("CONTACT_WORKDAYS")
    feedback_days = rect_setting("FEEDBACK_WORKDAYS")
    r = Rectification(
        rating=rating,
        case=rating.case,
        unit=unit,
        handler=designated_handler(unit),
        status=Status.NEW,
        opened_at=now,
        contact_started_at=now,
        contact_days=contact_days,
        contact_due_at=_due(now, contact_days, region),
        feedback_started_at=now,
        feedback_days=feedback_days,
        feedback_due_at=_due(now, feedback_days, region),
        updated_at=now,
    )
    r.is_real_name = contact_of(r).present
    r.save(force_insert=True)
    events.rectification_event_record(
        rectification=r,
        type=events.OPENED,
        acting_user=acting_user,
        to_status=Status.NEW,
        payload={
            "unit": unit.name,
            "handler": str(r.handler) if r.handler_id else "",
            "contact_due_at": _iso(r.contact_due_at),
            "feedback_due_at": _iso(r.feedback_due_at),
            "rating": rating.receipt,
        },
    )
    _notify_handlers(
        r, "rectification.assigned", {"item": r.label, "due": _local(r.contact_due_at)}
    )
    return r


@transaction.atomic
def rectification_open_many(
    *, ratings: Sequence[Any], acting_user: Any = None
) -> list[Rectification]:
    """``rectification_open`` for many valid bad ratings at once (the bulk importer's chunk),
    with the same rows as opening them one by one in the given order: the rectifications and
    their ``opened`` events are inserted with one statement each; units, handlers, recipients
    and deadlines are looked up once per distinct unit (the deadline once per region and clock,
    all clocks starting now); the save signals follow as ``core.bulk`` sends them (audit rows
    and appeals notices are written per batch), then the handlers' notifications in bulk. The
    rows are those of opening one by one; only their ids interleave differently.
    Each rating should come with its ``case`` loaded (``select_related("case")``).
    Returns one rectification per distinct rating (the open one it already had, or the new one).
    """
    from haochaping.catalog.models import ServiceItem

    ratings = list({r.pk: r for r in ratings}.values())
    found = {
        r.rating_id: r
        for r in Rectification.objects.filter(
            rating__in=[r.pk for r in ratings], status__in=Status.open_values()
        )
    }
    todo = [rating for rating in ratings if rating.pk not in found]
    if not todo:
        return [found[r.pk] for r in ratings]
    # routing (responsible_unit, set-based): the case's unit, else the item owner, else the unit
    item_ids = {
        r.item_id for r in todo if not (r.case is not None and r.case.unit_id) and r.item_id
    }
    item_units = dict(ServiceItem.objects.filter(pk__in=item_ids).values_list("pk", "unit_id"))

    def unit_id_of(rating: Any) -> int:
        if rating.case is not None and rating.case.unit_id:
            return rating.case.unit_id
        return item_units[rating.item_id] if rating.item_id else rating.unit_id

    unit_of = {r.pk: unit_id_of(r) for r in todo}
    units = Unit.objects.select_related("region").in_bulk(set(unit_of.values()))
    handlers = {pk: designated_handler(unit) for pk, unit in units.items()}
    now = clock_now()
    contact_days = rect_setting("CONTACT_WORKDAYS")
    feedback_days = rect_setting("FEEDBACK_WORKDAYS")
    dues: dict[tuple[str, int], dt.datetime] = {}

    def due(days: int, region: str) -> dt.datetime:
        if (region, days) not in dues:
            dues[region, days] = _due(now, days, region)
        return dues[region, days]

    rects = []
    for rating in todo:
        unit = units[unit_of[rating.pk]]
        r = Rectification(
            rating=rating,
            case=rating.case,
            unit=unit,
            handler=handlers[unit.pk],
            status=Status.NEW,
            opened_at=now,
            contact_started_at=now,
            contact_days=contact_days,
            contact_due_at=due(contact_days, unit.region.code),
            feedback_started_at=now,
            feedback_days=feedback_days,
            feedback_due_at=due(feedback_days, unit.region.code),
            updated_at=now,
        )
        r.is_real_name = contact_of(r).present
        rects.append(r)
    bulk.send_pre_save(rects)
    bulk.insert(rects)
    evs = [
        RectificationEvent(
            rectification=r,
            type=events.OPENED,
            from_status="",
            to_status=Status.NEW,
            note="",
            payload={
                "unit": r.unit.name,
                "handler": str(r.handler) if r.handler_id else "",
                "contact_due_at": _iso(r.contact_due_at),
                "feedback_due_at": _iso(r.feedback_due_at),
                "rating": r.rating.receipt,
            },
            acting_user=acting_user if getattr(acting_user, "pk", None) else None,
            actor_label=events.actor_label(acting_user),
            created_at=now,
        )
        for r in rects
    ]
    bulk.send_pre_save(evs)
    bulk.insert(evs)
    bulk.send_post_save(rects)
    bulk.send_post_save(evs)  # the appeals notices are delivered here (appeals/receivers.py)
    recipients: dict[int, list[User]] = {}
    deliveries = []
    url = bulk.reverser("rectification:detail")  # Rectification.get_absolute_url
    for r in rects:
        if r.unit_id not in recipients:
            active = r.handler_id and r.handler.is_active
            recipients[r.unit_id] = (
                [r.handler]
                if active
                else escalation_recipient_list(EscalationLevel.HANDLER, unit=r.unit)
            )
        if recipients[r.unit_id]:  # as _notify_handlers; the URL only when someone is told
            deliveries.append(
                NotifyDelivery(
                    recipients=recipients[r.unit_id],
                    params={"item": r.label, "due": _local(r.contact_due_at)},
                    url=url(r.pk),
                )
            )
        found[r.rating_id] = r
    notify_many(message="rectification.assigned", deliveries=deliveries, sms=True)
    return [found[r.pk] for r in ratings]


# --- the transition machinery ----------------------------------------------------------------


def _lock(rectification_id: int, acting_user: Any) -> Rectification:
    if acting_user is None:  # system actions (appeals, sweeps)
        r = (
            Rectification.objects.select_for_update(of=("self",))
            .select_related("unit__region", "case", "rating", "handler")
            .filter(pk=rectification_id)
            .first()
        )
        if r is None:
            raise NotFound()
        return r
    return access_rectification(acting_user, rectification_id, for_update=True)


def _check_version(r: Rectification, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != r.version:
        raise Conflict(
            _(
                "Someone else changed this rectification a moment ago (now: %(status)s). "
                "Reload the page and try again."
            )
            % {"status": r.get_status_display()},
            extra={"version": r.version, "status": r.status},
        )


def _clean_note(note: str | None, *, required: bool, field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise InvalidInput(extra={"errors": {field: [_("This field is required.")]}})
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            extra={"errors": {field: [_("At most %(n)s characters.") % {"n": NOTE_MAX}]}}
        )
    return note


def _transition(
    *,
    rectification_id: int,
    action: Action,
    acting_user: Any,
    expected_version: int | None,
    note: str,
    files: list[UploadedFile] | None,
    apply: Callable[[Rectification, dt.datetime], list[str]],
    target_override: Status | None = None,
    payload: dict[str, Any] | None = None,
) -> Rectification:
    """Steps 2-5 of every transition (the caller is atomic). ``apply`` sets fields and returns
    their names; it may raise InvalidInput before anything is written."""
    if acting_user is not None:
        assert_role(role=acting_user.role, is_superuser=acting_user.is_superuser, action=action)
    files = list(files or [])
    validate_evidence(files)
    r = _lock(rectification_id, acting_user)
    _check_version(r, expected_version)
    target = assert_transition(r.status, action)
    if target_override is not None:
        target = target_override
    now = clock_now()
    from_status = r.status
    changed = apply(r, now)
    r.status = target
    r.version += 1
    r.updated_at = now
    r.save(update_fields=sorted({*changed, "status", "version", "updated_at"}))
    event = events.rectification_event_record(
        rectification=r,
        type=events.TRANSITION_EVENTS[str(action)],
        acting_user=acting_user,
        note=note,
        from_status=from_status,
        to_status=r.status,
        payload=payload or {},
    )
    if files:
        evidence_store(rectification=r, event=event, files=files, acting_user=acting_user)
    return r


def _finish_contact(r: Rectification, now: dt.datetime) -> list[str]:
    if r.contacted_at is not None:
        return []
    r.contacted_at = now
    r.contact_overdue = r.contact_overdue or now > r.contact_due_at
    return ["contacted_at", "contact_overdue"]


def _finish_feedback(r: Rectification, now: dt.datetime, resolution: Resolution) -> list[str]:
    r.resolution = resolution
    r.feedback_at = now
    r.feedback_overdue = r.feedback_overdue or now > r.feedback_due_at
    r.close_started_at = now
    r.close_days = rect_setting("CLOSE_WORKDAYS")
    r.close_due_at = _due(now, r.close_days, _region(r))
    return [
        "resolution",
        "feedback_at",
        "feedback_overdue",
        "close_started_at",
        "close_days",
        "close_due_at",
    ]


def _new_feedback_clock(r: Rectification, now: dt.datetime) -> list[str]:
    r.resolution = ""
    r.feedback_at = None
    r.feedback_started_at = now
    r.feedback_days = rect_setting("COMPLEX_WORKDAYS" if r.is_complex else "FEEDBACK_WORKDAYS")
    r.feedback_due_at = _due(now, r.feedback_days, _region(r))
    r.feedback_overdue = False
    r.close_started_at = r.close_due_at = None
    r.close_days = 0
    r.close_overdue = False
    return [
        "resolution",
        "feedback_at",
        "feedback_started_at",
        "feedback_days",
        "feedback_due_at",
        "feedback_overdue",
        "close_started_at",
        "close_due_at",
        "close_days",
        "close_overdue",
    ]


def _complex(r: Rectification, reason: str) -> list[str]:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            extra={"errors": {"complex_reason": [_("Say why the rectification is complex.")]}}
        )
    if r.is_complex:
        raise InvalidTransition(
            _("This rectification is already marked complex."),
            extra={"status": r.status, "action": str(Action.MARK_COMPLEX)},
        )
    r.is_complex = True
    r.complex_reason = reason[:500]
    r.feedback_days += rect_setting("COMPLEX_WORKDAYS") - rect_setting("FEEDBACK_WORKDAYS")
    r.feedback_due_at = _due(r.feedback_started_at, r.feedback_days, _region(r))
    return ["is_complex", "complex_reason", "feedback_days", "feedback_due_at"]


# --- the handler ------------------------------------------------------------------------------


@transaction.atomic
def rectification_contact(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
) -> Rectification:
    """The handler has reached the citizen (within 1 working day)."""
    note = _clean_note(note, required=True)
    return _transition(
        rectification_id=rectification_id,
        action=Action.CONTACT,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=_finish_contact,
    )


@transaction.atomic
def rectification_fix_at_once(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
) -> Rectification:
    """立行立改: clear and reasonable, fixed at once; contact and feedback in one step."""
    note = _clean_note(note, required=True)

    def apply(r: Rectification, now: dt.datetime) -> list[str]:
        return [*_finish_contact(r, now), *_finish_feedback(r, now, Resolution.FIXED_AT_ONCE)]

    return _transition(
        rectification_id=rectification_id,
        action=Action.FIX_AT_ONCE,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=apply,
    )


@transaction.atomic
def rectification_start(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    is_complex: bool = False,
    complex_reason: str = "",
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
) -> Rectification:
    """There is a real problem: rectification starts (optionally marked complex: 15 days)."""
    note = _clean_note(note, required=True)

    def apply(r: Rectification, now: dt.datetime) -> list[str]:
        return _complex(r, complex_reason) if is_complex else []

    return _transition(
        rectification_id=rectification_id,
        action=Action.START,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=apply,
        payload={"complex": bool(is_complex)},
    )


@transaction.atomic
def rectification_mark_complex(
    *,
    rectification_id: int,
    reason: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Rectification:
    """Complex: the feedback deadline becomes 15 working days from the clock's start."""
    return _transition(
        rectification_id=rectification_id,
        action=Action.MARK_COMPLEX,
        acting_user=acting_user,
        expected_version=expected_version,
        note=(reason or "").strip()[:NOTE_MAX],
        files=None,
        apply=lambda r, now: _complex(r, reason or ""),
    )


@transaction.atomic
def rectification_explain(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
) -> Rectification:
    """The request lacks a legal basis: the explanation given to the citizen is the feedback."""
    note = _clean_note(note, required=True)
    return _transition(
        rectification_id=rectification_id,
        action=Action.EXPLAIN,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=lambda r, now: _finish_feedback(r, now, Resolution.EXPLAINED),
    )


@transaction.atomic
def rectification_feedback(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
) -> Rectification:
    """Rectification done; the feedback to the citizen (within 5 or 15 working days)."""
    note = _clean_note(note, required=True)
    return _transition(
        rectification_id=rectification_id,
        action=Action.FEEDBACK,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=lambda r, now: _finish_feedback(r, now, Resolution.RECTIFIED),
    )


# --- the city liaison -------------------------------------------------------------------------


@transaction.atomic
def rectification_accept_feedback(
    *,
    rectification_id: int,
    note: str = "",
    acting_user: Any,
    expected_version: int | None = None,
) -> Rectification:
    """The liaison checked the file; the item joins the callback queue."""
    note = _clean_note(note, required=False)
    return _transition(
        rectification_id=rectification_id,
        action=Action.ACCEPT_FEEDBACK,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=None,
        apply=lambda r, now: [],
    )


@transaction.atomic
def rectification_return(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Rectification:
    """The feedback is not enough: back to the unit with a new feedback clock."""
    note = _clean_note(note, required=True)
    r = _transition(
        rectification_id=rectification_id,
        action=Action.RETURN,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=None,
        apply=_new_feedback_clock,
    )
    _notify_handlers(
        r, "rectification.returned", {"item": r.label, "due": _local(r.feedback_due_at)}
    )
    return r


@transaction.atomic
def rectification_callback(
    *,
    rectification_id: int,
    method: str,
    outcome: str,
    satisfaction: str = "",
    after_unsatisfied: str = "",
    note: str = "",
    acting_user: Any,
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
    decide_later: bool = False,
) -> Rectification:
    """Record the liaison's callback. Reached and satisfied (满意/基本满意): closed. Unsatisfied:
    reopened (once, with new clocks) or escalated to supervision. Not reached: the attempt is
    recorded and the item stays in the queue. No contact details (anonymous): closed.
    ``decide_later`` (the citizen's own online self-rating): an unsatisfied answer is recorded and
    the item stays in the queue for the liaison to reopen or escalate."""
    note = _clean_note(note, required=False)
    errors: dict[str, list[str]] = {}
    if method not in CallbackMethod.values:
        errors["method"] = [_("Choose phone, SMS or online self-rating.")]
    if outcome not in CallbackOutcome.values:
        errors["outcome"] = [_("Choose whether the citizen was reached.")]
    if outcome == CallbackOutcome.REACHED and satisfaction not in FixSatisfaction.values:
        errors["satisfaction"] = [_("Record the citizen's satisfaction with the fix.")]
    if outcome != CallbackOutcome.REACHED and satisfaction:
        errors["satisfaction"] = [_("Satisfaction is recorded only when the citizen was reached.")]
    unsatisfied = outcome == CallbackOutcome.REACHED and satisfaction == FixSatisfaction.UNSATISFIED
    if unsatisfied and not decide_later and after_unsatisfied not in AfterUnsatisfied.values:
        errors["after_unsatisfied"] = [_("The citizen is unsatisfied: reopen or escalate.")]
    if errors:
        raise InvalidInput(extra={"errors": errors})
    if outcome == CallbackOutcome.UNREACHABLE or (unsatisfied and decide_later):
        action = Action.CALLBACK
    elif unsatisfied:
        action = Action.REOPEN if after_unsatisfied == AfterUnsatisfied.REOPEN else Action.ESCALATE
    else:
        action = Action.CLOSE

    def apply(r: Rectification, now: dt.datetime) -> list[str]:
        if outcome == CallbackOutcome.NO_CONTACT and r.is_real_name:
            raise InvalidInput(
                extra={
                    "errors": {
                        "outcome": [
                            _("This is a real-name review with contact details: call the citizen.")
                        ]
                    }
                }
            )
        Callback.objects.create(
            rectification=r,
            method=method,
            outcome=outcome,
            satisfaction=satisfaction,
            note=note,
            round=r.reopen_count + 1,
            acting_user=acting_user,
            created_at=now,
        )
        fields = []
        if satisfaction:
            r.fix_satisfaction = satisfaction
            fields.append("fix_satisfaction")
        if action == Action.CLOSE:
            r.closed_at = now
            r.close_overdue = r.close_overdue or (
                r.close_due_at is not None and now > r.close_due_at
            )
            fields += ["closed_at", "close_overdue"]
        elif action == Action.REOPEN:
            assert_can_reopen(r.reopen_count)
            r.reopen_count += 1
            r.contact_started_at = now
            r.contact_days = rect_setting("CONTACT_WORKDAYS")
            r.contact_due_at = _due(now, r.contact_days, _region(r))
            r.contacted_at = None
            r.contact_overdue = False
            fields += [
                "reopen_count",
                "contact_started_at",
                "contact_days",
                "contact_due_at",
                "contacted_at",
                "contact_overdue",
                *_new_feedback_clock(r, now),
            ]
        elif action == Action.ESCALATE:
            r.escalated_at = now
            fields.append("escalated_at")
        return fields

    r = _transition(
        rectification_id=rectification_id,
        action=action,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=apply,
        payload={
            "method": method,
            "outcome": outcome,
            "satisfaction": satisfaction,
            "after_unsatisfied": after_unsatisfied if unsatisfied and not decide_later else "",
        },
    )
    if action == Action.REOPEN:
        _notify_handlers(
            r, "rectification.reopened", {"item": r.label, "due": _local(r.contact_due_at)}
        )
    elif action == Action.ESCALATE:
        notify(
            recipients=escalation_recipients(EscalationLevel.SUPERVISION, unit=r.unit),
            message="rectification.escalated",
            params={"item": r.label},
            url=r.get_absolute_url(),
            sms=True,
        )
    return r


@transaction.atomic
def rectification_invite_self_rating(
    *, rectification_id: int, base_url: str, acting_user: Any
) -> Any:
    """Send the citizen an SMS link to rate the fix online (网上自助评价); returns the SMS row."""
    from haochaping.notifications.services import sms_queue
    from haochaping.rectification.selfrating import self_rating_token

    r = _operation(rectification_id, acting_user, "invite_self_rating")
    if r.status != Status.AWAITING_CALLBACK:
        raise InvalidTransition(
            _("“%(action)s” is not possible while the rectification is “%(status)s”.")
            % {"action": _("Send the self-rating link"), "status": r.get_status_display()},
            extra={"status": r.status},
        )
    contact = contact_of(r)
    if not contact.mobile:
        raise InvalidInput(extra={"errors": {"mobile": [_("This review has no mobile number.")]}})
    url = f"{base_url.rstrip('/')}/rectification/rate/{self_rating_token(r.pk, r.reopen_count)}/"
    language = r.rating.language if r.rating.language in ("zh-hans", "bo") else "zh-hans"
    sms = sms_queue(
        phone=contact.mobile,
        message="callback.invite",
        language=language,
        params={"project_no": r.label, "url": url},
    )
    events.rectification_event_record(
        rectification=r,
        type=events.SELF_RATING_INVITED,
        acting_user=acting_user,
        payload={"sms": sms.pk},
    )
    return sms


def rectification_self_rate(*, token: str, satisfaction: str) -> Rectification:
    """The citizen's answer through the link: recorded as an online callback that reached them."""
    from haochaping.rectification.selfrating import self_rating_parse

    parsed = self_rating_parse(token)
    if parsed is None:
        raise NotFound(_("This link is not valid or has expired."))
    rid, round_ = parsed
    r = Rectification.objects.filter(pk=rid).only("status", "reopen_count").first()
    if r is None or r.reopen_count != round_:
        raise NotFound(_("This link is not valid or has expired."))
    if satisfaction not in FixSatisfaction.values:
        raise InvalidInput(extra={"errors": {"satisfaction": [_("Choose one answer.")]}})
    return rectification_callback(
        rectification_id=rid,
        method=CallbackMethod.ONLINE,
        outcome=CallbackOutcome.REACHED,
        satisfaction=satisfaction,
        note=str(_("Online self-rating by the citizen.")),
        acting_user=None,
        decide_later=True,
    )


# --- supervision ------------------------------------------------------------------------------


@transaction.atomic
def rectification_supervision_close(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
    files: list[UploadedFile] | None = None,
) -> Rectification:
    """The supervision office concludes an escalated item (its finding is the note)."""
    note = _clean_note(note, required=True)

    def apply(r: Rectification, now: dt.datetime) -> list[str]:
        r.closed_at = now
        return ["closed_at"]

    return _transition(
        rectification_id=rectification_id,
        action=Action.SUPERVISION_CLOSE,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=files,
        apply=apply,
    )


@transaction.atomic
def rectification_supervision_return(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Rectification:
    """The supervision office sends an escalated item back to the unit with a new feedback clock."""
    note = _clean_note(note, required=True)
    r = _transition(
        rectification_id=rectification_id,
        action=Action.SUPERVISION_RETURN,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=None,
        apply=_new_feedback_clock,
    )
    _notify_handlers(
        r, "rectification.returned", {"item": r.label, "due": _local(r.feedback_due_at)}
    )
    return r


@transaction.atomic
def rectification_withdraw(
    *,
    rectification_id: int,
    note: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Rectification:
    """The rating was not adopted (mis-rating or malicious, after an appeal): the item ends."""
    note = _clean_note(note, required=True)

    def apply(r: Rectification, now: dt.datetime) -> list[str]:
        r.closed_at = now
        r.paused_at = None
        return ["closed_at", "paused_at"]

    return _transition(
        rectification_id=rectification_id,
        action=Action.WITHDRAW,
        acting_user=acting_user,
        expected_version=expected_version,
        note=note,
        files=None,
        apply=apply,
    )


def _operation(rectification_id: int, acting_user: Any, operation: str) -> Rectification:
    if acting_user is not None:
        assert_operation_role(
            role=acting_user.role, is_superuser=acting_user.is_superuser, operation=operation
        )
    return _lock(rectification_id, acting_user)


def _require_open(r: Rectification, action_label: str) -> None:
    if not r.is_open:
        raise InvalidTransition(
            _("“%(action)s” is not possible while the rectification is “%(status)s”.")
            % {"action": action_label, "status": r.get_status_display()},
            extra={"status": r.status},
        )


@transaction.atomic
def rectification_urge(*, rectification_id: int, note: str, acting_user: Any) -> RectificationEvent:
    """督办: the supervision office (or the liaison) urges the unit; the handler is told."""
    note = _clean_note(note, required=True)
    r = _operation(rectification_id, acting_user, "urge")
    _require_open(r, str(_("Urge")))
    r.last_urged_at = clock_now()
    r.save(update_fields=["last_urged_at"])
    event = events.rectification_event_record(
        rectification=r, type=events.URGED, acting_user=acting_user, note=note
    )
    _notify_handlers(r, "rectification.urged", {"item": r.label, "by": str(acting_user)})
    return event


@transaction.atomic
def rectification_comment(
    *, rectification_id: int, note: str, acting_user: Any
) -> RectificationEvent:
    note = _clean_note(note, required=True)
    r = _operation(rectification_id, acting_user, "comment")
    return events.rectification_event_record(
        rectification=r, type=events.COMMENTED, acting_user=acting_user, note=note
    )


@transaction.atomic
def rectification_spot_check(
    *, rectification_id: int, note: str, acting_user: Any
) -> RectificationEvent:
    """抽查: the supervision office read the file; its finding goes on the timeline."""
    note = _clean_note(note, required=True)
    r = _operation(rectification_id, acting_user, "spot_check")
    return events.rectification_event_record(
        rectification=r, type=events.SPOT_CHECKED, acting_user=acting_user, note=note
    )


@transaction.atomic
def rectification_evidence_add(
    *,
    rectification_id: int,
    files: list[UploadedFile],
    note: str = "",
    acting_user: Any,
) -> list[Evidence]:
    note = _clean_note(note, required=False)
    files = list(files or [])
    if not files:
        raise InvalidInput(extra={"errors": {"files": [_("Choose at least one file.")]}})
    validate_evidence(files)
    r = _operation(rectification_id, acting_user, "evidence")
    _require_open(r, str(_("Add evidence")))
    event = events.rectification_event_record(
        rectification=r,
        type=events.EVIDENCE_ADDED,
        acting_user=acting_user,
        note=note,
        payload={"files": [f.name for f in files]},
    )
    return evidence_store(rectification=r, event=event, files=files, acting_user=acting_user)


@transaction.atomic
def rectification_contact_reveal(
    *, rectification_id: int, reason: str, acting_user: Any
) -> Contact:
    """Show the citizen's full contact; every reveal is logged with who, when and why."""
    reason = _clean_note(reason, required=True, field="reason")[:300]
    r = _operation(rectification_id, acting_user, "reveal_contact")
    contact = contact_of(r)
    if not contact.present:
        raise NotFound(_("This review carries no contact details (anonymous)."))
    now = clock_now()
    ContactReveal.objects.create(rectification=r, user=acting_user, reason=reason, created_at=now)
    reveal_log_record(  # the one log the supervision office reads (/privacy/reveals/)
        acting_user=acting_user,
        target="rectification",
        object_id=r.pk,
        fields=[f for f in ("name", "mobile") if getattr(contact, f)],
        reason=reason,
    )
    events.rectification_event_record(
        rectification=r, type=events.CONTACT_REVEALED, acting_user=acting_user, note=reason
    )
    return contact


# --- clocks: pause (appeals), resume, recompute -----------------------------------------------


@transaction.atomic
def rectification_pause(
    *, rectification_id: int, reason: str, acting_user: Any = None
) -> Rectification:
    """Stop the clocks while an appeal is pending (the appeals capability calls this)."""
    reason = _clean_note(reason, required=True, field="reason")[:300]
    r = _operation(rectification_id, acting_user, "pause")
    _require_open(r, str(_("Pause")))
    if r.paused_at is not None:
        raise InvalidTransition(
            _("The clocks of this rectification are already paused."), extra={"status": r.status}
        )
    r.paused_at = clock_now()
    r.pause_reason = reason
    r.version += 1
    r.save(update_fields=["paused_at", "pause_reason", "version"])
    events.rectification_event_record(
        rectification=r, type=events.PAUSED, acting_user=acting_user, note=reason
    )
    return r


def _running_clocks(r: Rectification) -> list[str]:
    clocks = []
    if r.contacted_at is None:
        clocks.append("contact")
    if r.feedback_at is None:
        clocks.append("feedback")
    if r.close_started_at is not None and r.closed_at is None:
        clocks.append("close")
    return clocks


@transaction.atomic
def rectification_resume(
    *, rectification_id: int, note: str = "", acting_user: Any = None
) -> Rectification:
    """Restart the clocks; running deadlines move by the working days paused (when
    ``PAUSE_DURING_APPEAL`` is on)."""
    note = _clean_note(note, required=False)
    r = _operation(rectification_id, acting_user, "resume")
    if r.paused_at is None:
        raise InvalidTransition(
            _("The clocks of this rectification are not paused."), extra={"status": r.status}
        )
    now = clock_now()
    region = _region(r)
    shift = (
        max(0, workdays_between(r.paused_at, now, region))
        if rect_setting("PAUSE_DURING_APPEAL")
        else 0
    )
    moved = {}
    fields = ["paused_at", "pause_reason", "paused_workdays", "version"]
    if shift and r.is_open:
        for clock in _running_clocks(r):
            setattr(r, f"{clock}_days", getattr(r, f"{clock}_days") + shift)
            due = _due(getattr(r, f"{clock}_started_at"), getattr(r, f"{clock}_days"), region)
            setattr(r, f"{clock}_due_at", due)
            moved[clock] = _iso(due)
            fields += [f"{clock}_days", f"{clock}_due_at"]
    r.paused_workdays += shift
    r.paused_at = None
    r.pause_reason = ""
    r.version += 1
    r.save(update_fields=fields)
    events.rectification_event_record(
        rectification=r,
        type=events.RESUMED,
        acting_user=acting_user,
        note=note,
        payload={"paused_workdays": shift, "moved": moved},
    )
    return r


def recompute_deadlines(changed_dates: set[dt.date], region_codes: set[str]) -> int:
    """Calendar-change callback (workdays.recompute): recompute the running deadlines of open
    rectifications whose window touches a changed day, in a region the change covers. Runs in the
    calendar change's transaction; each change is on the item's timeline."""
    from haochaping.core.clock import LOCAL_TZ
    from haochaping.workdays.recompute import covers, window_touches

    if not changed_dates:
        return 0
    first = min(changed_dates)
    candidates = (
        Rectification.objects.select_for_update(of=("self",))
        .filter(status__in=Status.open_values())
        .filter(
            Q(contact_due_at__gte=_start_of(first))
            | Q(feedback_due_at__gte=_start_of(first))
            | Q(close_due_at__gte=_start_of(first))
        )
        .select_related("unit__region")
        .order_by("pk")
    )
    changed = 0
    for r in candidates:
        if not any(covers(scope, r.unit.region.path) for scope in region_codes):
            continue
        moved = {}
        fields = []
        for clock in _running_clocks(r):
            start = getattr(r, f"{clock}_started_at")
            due = getattr(r, f"{clock}_due_at")
            if start is None or due is None:
                continue
            if not window_touches(
                start.astimezone(LOCAL_TZ).date(), due.astimezone(LOCAL_TZ).date(), changed_dates
            ):
                continue
            new_due = _due(start, getattr(r, f"{clock}_days"), _region(r))
            if new_due != due:
                setattr(r, f"{clock}_due_at", new_due)
                moved[clock] = {"from": _iso(due), "to": _iso(new_due)}
                fields.append(f"{clock}_due_at")
        if fields:
            r.version += 1
            r.save(update_fields=[*fields, "version"])
            events.rectification_event_record(
                rectification=r,
                type=events.DEADLINES_RECOMPUTED,
                payload={"moved": moved},
                note=str(_("The working-day calendar changed; deadlines recomputed.")),
            )
            changed += 1
    return changed


def _start_of(day: dt.date) -> dt.datetime:
    from haochaping.core.clock import LOCAL_TZ

    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


# --- designations ------------------------------------------------------------------------------


@transaction.atomic
def handler_designate(
    *, unit: Unit, user: User, is_backup: bool = False, acting_user: Any = None
) -> HandlerDesignation:
    """Name the unit's handler account (one primary; backups allowed). A new primary replaces
    the old one, which becomes a backup."""
    from haochaping.accounts.enums import Role

    if user.role != Role.HANDLER:
        raise InvalidInput(
            extra={"errors": {"user": [_("Only a handler account can be designated.")]}}
        )
    if not is_backup:
        HandlerDesignation.objects.filter(unit=unit, is_backup=False).exclude(user=user).update(
            is_backup=True
        )
    designation, _created = HandlerDesignation.objects.update_or_create(
        unit=unit, user=user, defaults={"is_backup": is_backup}
    )
    return designation
