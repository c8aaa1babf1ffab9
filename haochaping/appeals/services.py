"""Every write of appeals. One service per transition, in the house order: atomic, lock (through
``access_appeal(..., for_update=True)``), role / version / ``assert_transition``, set fields,
timeline row, side effects in the same transaction (inbox rows, SMS outbox rows, the
rectification's and the rating's own services).

Effects of an outcome (:func:`_apply_outcome`):

- upheld: the rating stands; the rectification's clocks resume (deadlines move by the working
  days paused) and the rectification goes on;
- explanation: the clocks resume; the reviewer's explanation goes to the citizen by SMS (when
  the review carries a mobile) and, when the rectification is at the handler's stage
  (contacted / rectifying), it becomes the rectification's feedback (resolution "explained"),
  so the liaison's callback follows;
- not adopted: ``ratings.services.rating_exclude`` marks the rating excluded with the reason and
  takes it out of the rollups (and so of every statistic and ranking) in this transaction; the
  rectification closes as withdrawn (not adopted); the citizen is told in neutral words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from haochaping.accounts.access import access_appeal
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.appeals import events
from haochaping.appeals.conf import appeal_setting
from haochaping.appeals.enums import Action, FiledFor, Outcome, Status
from haochaping.appeals.evidence import evidence_store, validate_evidence
from haochaping.appeals.models import Appeal, RectificationNotice, RoutingRule
from haochaping.appeals.routing import bureau_for, route_appeal
from haochaping.appeals.selectors import (
    rectification_for_appellant,
    reviewers_of,
    unit_in_scope,
)
from haochaping.appeals.transitions import FURTHER_REVIEW_AFTER, assert_role, assert_transition
from haochaping.core import bulk
from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from haochaping.jobs.escalation import EscalationLevel, escalation_recipients
from haochaping.notifications.services import NotifyDelivery, notify, notify_many, sms_queue
from haochaping.org.models import Region, Unit
from haochaping.rectification import services as rect_services
from haochaping.rectification.contact import contact_of
from haochaping.rectification.enums import Status as RectStatus
from haochaping.rectification.models import Rectification
from haochaping.workdays.arithmetic import add_workdays


def _local(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _iso(value: dt.datetime) -> str:
    return value.astimezone(LOCAL_TZ).isoformat()


def _clean(text: str | None, *, field: str) -> str:
    text = (text or "").strip()
    limit = appeal_setting("TEXT_MAX")
    if not text:
        raise InvalidInput(extra={"errors": {field: [_("This field is required.")]}})
    if len(text) > limit:
        raise InvalidInput(
            extra={"errors": {field: [_("At most %(n)s characters.") % {"n": limit}]}}
        )
    return text


def _outcome(value: str, *, field: str = "outcome") -> Outcome:
    if value not in Outcome.values:
        raise InvalidInput(extra={"errors": {field: [_("Choose an outcome.")]}})
    return Outcome(value)


def _check_version(a: Appeal, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != a.version:
        raise Conflict(
            _(
                "Someone else changed this appeal a moment ago (now: %(status)s). "
                "Reload the page and try again."
            )
            % {"status": a.get_status_display()},
            extra={"version": a.version, "status": a.status},
        )


def _item_name(r: Rectification) -> str:
    if r.case is not None and r.case.item_id:
        return r.case.item.name
    return r.unit.name


# --- the rectification notice ----------------------------------------------------------------


def _staff_user(staff_id: int | None) -> User | None:
    if staff_id is None:
        return None
    return User.objects.filter(staff_id=staff_id, is_active=True).first()


def notice_deliver(
    *, rectification: Rectification, delivered_at: dt.datetime | None = None
) -> RectificationNotice:
    """Deliver the rectification notice to the rated staff member (inbox, SMS per preference);
    the appeal period of ``FILE_WORKDAYS`` working days starts now. Idempotent. Runs in the
    rectification's opening transaction (receivers.py)."""
    existing = RectificationNotice.objects.filter(rectification=rectification).first()
    if existing is not None:
        return existing
    at = delivered_at or clock_now()
    days = appeal_setting("FILE_WORKDAYS")
    rating = rectification.rating
    notice = RectificationNotice.objects.create(
        rectification=rectification,
        staff_id=rating.staff_id,
        delivered_at=at,
        file_days=days,
        file_due_at=add_workdays(at, days, rectification.unit.region.code),
    )
    user = _staff_user(rating.staff_id)
    if user is not None:
        notify(
            recipients=[user],
            message="appeals.notice",
            sms=True,
            url=reverse("appeals:file", args=[rectification.pk]),
            params=_notice_params(rectification, notice),
        )
    return notice


def _notice_params(r: Rectification, notice: RectificationNotice) -> dict[str, str]:
    """The ``appeals.notice`` message's parameters."""
    return {
        "item": _item_name(r),
        "day": r.rating.assessed_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d"),
        "due": _local(notice.file_due_at),
    }


def notices_deliver_many(
    *, rectifications: Sequence[Rectification], delivered_at: Sequence[dt.datetime]
) -> None:
    """:func:`notice_deliver` for rectifications opened together (the bulk opening's batch),
    each delivered at its own time: the same rows, written with one INSERT for the notices
    (their audit rows likewise, ``core.bulk``) and the staff members' messages through
    ``notify_many``. Rectifications that already have their notice are left alone."""
    from haochaping.catalog.models import ServiceItem

    have = set(
        RectificationNotice.objects.filter(rectification__in=rectifications).values_list(
            "rectification_id", flat=True
        )
    )
    todo = [(r, at) for r, at in zip(rectifications, delivered_at, strict=True) if r.pk not in have]
    if not todo:
        return
    days = appeal_setting("FILE_WORKDAYS")
    dues: dict[tuple[dt.datetime, str], dt.datetime] = {}
    notices = []
    for r, at in todo:
        key = (at, r.unit.region.code)
        if key not in dues:
            dues[key] = add_workdays(at, days, key[1])
        notices.append(
            RectificationNotice(
                rectification=r,
                staff_id=r.rating.staff_id,
                delivered_at=at,
                file_days=days,
                file_due_at=dues[key],
            )
        )
    bulk.send_pre_save(notices)
    bulk.insert(notices)
    bulk.send_post_save(notices)
    staff_ids = {n.staff_id for n in notices if n.staff_id is not None}
    users: dict[int, User] = {}
    for user in (
        User.objects.filter(staff_id__in=staff_ids, is_active=True)
        .select_related("notification_preference", "staff")
        .order_by("pk")  # the first one, as _staff_user
    ):
        users.setdefault(user.staff_id, user)
    told = [(r, n) for (r, _at), n in zip(todo, notices, strict=True) if n.staff_id in users]
    cased = [r.case for r, _n in told if r.case is not None and r.case.item_id]
    items = ServiceItem.objects.in_bulk({case.item_id for case in cased})
    for case in cased:  # one query for the items that _item_name reads
        case.item = items[case.item_id]
    url = bulk.reverser("appeals:file")
    notify_many(
        message="appeals.notice",
        sms=True,
        deliveries=[
            NotifyDelivery(
                recipients=[users[n.staff_id]], url=url(r.pk), params=_notice_params(r, n)
            )
            for r, n in told
        ],
    )


def notice_ensure(rectification: Rectification) -> RectificationNotice:
    """The notice of a rectification opened before this app was installed counts as delivered
    when the rectification opened."""
    return notice_deliver(rectification=rectification, delivered_at=rectification.opened_at)


def notices_deliver_missing(*, limit: int = 1000) -> int:
    """Deliver the notice of rectifications opened while this app was not installed (counted
    from the rectification's opening), one transaction each. Returns how many."""
    ids = list(
        Rectification.objects.filter(appeal_notice__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for rectification_id in ids:
        with transaction.atomic():
            r = Rectification.objects.select_related("unit__region", "rating", "case__item").get(
                pk=rectification_id
            )
            notice_ensure(r)
    return len(ids)


@transaction.atomic
def notice_mark_read(*, notice: RectificationNotice, acting_user: Any) -> RectificationNotice:
    """The rated staff member opened the notice (first time only)."""
    if notice.read_at is None and getattr(acting_user, "staff_id", None) == notice.staff_id:
        notice.read_at = clock_now()
        notice.save(update_fields=["read_at"])
    return notice


# --- filing ----------------------------------------------------------------------------------


def _notify_reviewers(a: Appeal) -> None:
    recipients: Any = reviewers_of(a.reviewer_unit)
    if not recipients.exists():
        recipients = escalation_recipients(EscalationLevel.CITY_LIAISON, unit=a.reviewer_unit)
    notify(
        recipients=recipients,
        message="appeals.filed",
        url=a.get_absolute_url(),
        sms=True,
        params={"appeal": a.label, "unit": a.unit.name, "due": _local(a.decision_due_at)},
    )


def _appellants(a: Appeal) -> list[User]:
    people = {a.filed_by_id: a.filed_by}
    staff_user = _staff_user(a.staff_id)
    if staff_user is not None:
        people[staff_user.pk] = staff_user
    return [u for u in people.values() if u.is_active]


@transaction.atomic
def appeal_file(
    *,
    rectification_id: int,
    reasons: str,
    acting_user: Any,
    files: list[UploadedFile] | None = None,
) -> Appeal:
    """File an appeal against a bad review, from its rectification notice, within
    ``FILE_WORKDAYS`` working days of the notice's delivery. The rated staff member files for
    themself; the unit's handler may file for them (or for the unit when no staff member was
    rated). A late filing is refused with the deadline that passed."""
    assert_role(role=acting_user.role, is_superuser=acting_user.is_superuser, action=Action.FILE)
    reasons = _clean(reasons, field="reasons")
    files = list(files or [])
    validate_evidence(files)
    r = rectification_for_appellant(acting_user, rectification_id, for_update=True)
    existing = Appeal.objects.filter(rectification=r).first()
    if existing is not None:
        raise InvalidTransition(
            _("An appeal against this bad review was already filed (%(appeal)s).")
            % {"appeal": existing.label},
            extra={"appeal": existing.pk},
        )
    if r.status == RectStatus.WITHDRAWN:
        raise InvalidTransition(
            _("This bad review was already set aside."), extra={"status": r.status}
        )
    notice = notice_ensure(r)
    now = clock_now()
    if now > notice.file_due_at:
        raise InvalidTransition(
            _(
                "The appeal period ended on %(deadline)s (%(n)s working days after the "
                "rectification notice of %(delivered)s). A late appeal cannot be filed."
            )
            % {
                "deadline": _local(notice.file_due_at),
                "n": notice.file_days,
                "delivered": _local(notice.delivered_at),
            },
            extra={"deadline": _iso(notice.file_due_at), "delivered": _iso(notice.delivered_at)},
        )
    route = route_appeal(unit=r.unit, rating=r.rating)
    days = appeal_setting("DECIDE_WORKDAYS")
    a = Appeal(
        rectification=r,
        rating=r.rating,
        unit=r.unit,
        staff_id=r.rating.staff_id,
        filed_for=FiledFor.STAFF if r.rating.staff_id else FiledFor.UNIT,
        filed_by=acting_user,
        reasons=reasons,
        notice_delivered_at=notice.delivered_at,
        file_due_at=notice.file_due_at,
        filed_at=now,
        reviewer_unit=route.reviewer_unit,
        routing_basis=route.basis,
        routing_rule=route.rule,
        in_service_centre=route.in_service_centre,
        status=Status.PENDING,
        decision_days=days,
        decision_due_at=add_workdays(now, days, route.reviewer_unit.region.code),
        updated_at=now,
    )
    try:
        with transaction.atomic():
            a.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("An appeal against this bad review was filed at the same moment.")
        ) from None
    event = events.appeal_event_record(
        appeal=a,
        type=events.FILED,
        acting_user=acting_user,
        note=reasons,
        to_status=Status.PENDING,
        payload={
            "reviewer_unit": route.reviewer_unit.name,
            "routed_by": str(route.basis),
            "decision_due_at": _iso(a.decision_due_at),
            "file_due_at": _iso(a.file_due_at),
        },
    )
    if files:
        evidence_store(appeal=a, event=event, files=files, acting_user=acting_user)
    if r.is_open and not r.is_paused:
        rect_services.rectification_pause(
            rectification_id=r.pk,
            acting_user=None,
            reason=_("Appeal %(appeal)s pending") % {"appeal": a.label},
        )
        a.paused_rectification = True
        a.save(update_fields=["paused_rectification"])
    _notify_reviewers(a)
    return a


# --- outcomes --------------------------------------------------------------------------------


def _tell_citizen(
    a: Appeal, message: str, params: dict[str, Any], stage: str, acting_user: Any
) -> bool:
    """SMS the citizen (neutral words) when the review carries a mobile. The timeline records
    only whether an SMS went out, never the number."""
    r = a.rectification
    contact = contact_of(r)
    sent = bool(contact.mobile)
    if sent:
        rating = a.rating
        sms_queue(
            phone=contact.mobile,
            message=message,
            language=rating.language or "zh-hans",
            dedup_key=f"appeal:{a.pk}:{stage}",
            params={
                "item": _item_name(r),
                "day": rating.assessed_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d"),
                **params,
            },
        )
    events.appeal_event_record(
        appeal=a,
        type=events.CITIZEN_TOLD,
        acting_user=acting_user,
        payload={"message": message, "sms": sent},
    )
    return sent


def _resume(a: Appeal, note: str) -> None:
    r = Rectification.objects.get(pk=a.rectification_id)
    if a.paused_rectification and r.paused_at is not None:
        rect_services.rectification_resume(rectification_id=r.pk, note=note, acting_user=None)


def _apply_outcome(
    a: Appeal, outcome: Outcome, reason: str, *, stage: str, acting_user: Any
) -> None:
    note = _("Appeal %(appeal)s: %(outcome)s") % {"appeal": a.label, "outcome": outcome.label}
    if outcome == Outcome.NOT_ADOPTED:
        from haochaping.ratings.services import rating_exclude

        rating_exclude(
            rating=a.rating, reason=f"{a.label}: {reason}"[:300], acting_user=acting_user
        )
        events.appeal_event_record(
            appeal=a,
            type=events.RATING_EXCLUDED,
            acting_user=acting_user,
            payload={"rating": a.rating_id},
        )
        r = Rectification.objects.get(pk=a.rectification_id)
        if r.is_open:
            rect_services.rectification_withdraw(
                rectification_id=r.pk, acting_user=None, note=f"{note}\n{reason}"[:2000]
            )
        _tell_citizen(a, "appeals.citizen_not_adopted", {}, stage, acting_user)
        return
    _resume(a, note)
    if outcome == Outcome.EXPLANATION:
        r = Rectification.objects.get(pk=a.rectification_id)
        if r.status in (RectStatus.CONTACTED, RectStatus.RECTIFYING):
            rect_services.rectification_explain(
                rectification_id=r.pk, acting_user=None, note=f"{note}\n{reason}"[:2000]
            )
        _tell_citizen(
            a, "appeals.citizen_explanation", {"explanation": reason[:300]}, stage, acting_user
        )


def _require_scope(user: Any, unit: Unit | None, message: str) -> None:
    if unit is None or not unit_in_scope(user, unit):
        raise PermissionDenied(message % {"unit": unit.name if unit else "—"})


@transaction.atomic
def appeal_decide(
    *,
    appeal_id: int,
    outcome: str,
    reason: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Appeal:
    """The reviewer's decision (within ``DECIDE_WORKDAYS`` working days), with a written reason."""
    assert_role(role=acting_user.role, is_superuser=acting_user.is_superuser, action=Action.DECIDE)
    chosen = _outcome(outcome)
    reason = _clean(reason, field="reason")
    a = access_appeal(acting_user, appeal_id, for_update=True)
    _require_scope(
        acting_user,
        a.reviewer_unit,
        _("This appeal is reviewed by %(unit)s, which is outside your scope."),
    )
    _check_version(a, expected_version)
    target = assert_transition(a.status, Action.DECIDE)
    now = clock_now()
    from_status = a.status
    a.status = target
    a.outcome = a.final_outcome = chosen
    a.decision_reason = reason
    a.decided_by = acting_user
    a.decided_at = now
    a.decision_overdue = a.decision_overdue or now > a.decision_due_at
    if chosen in FURTHER_REVIEW_AFTER:
        a.further_request_due_at = add_workdays(
            now, appeal_setting("FURTHER_REQUEST_WORKDAYS"), a.unit.region.code
        )
    a.version += 1
    a.updated_at = now
    a.save(
        update_fields=[
            "status",
            "outcome",
            "final_outcome",
            "decision_reason",
            "decided_by",
            "decided_at",
            "decision_overdue",
            "further_request_due_at",
            "version",
            "updated_at",
        ]
    )
    events.appeal_event_record(
        appeal=a,
        type=events.DECIDED,
        acting_user=acting_user,
        note=reason,
        from_status=from_status,
        to_status=a.status,
        payload={"outcome": str(chosen), "on_time": not now > a.decision_due_at},
    )
    _apply_outcome(a, chosen, reason, stage="decision", acting_user=acting_user)
    notify(
        recipients=_appellants(a),
        message="appeals.decided",
        url=a.get_absolute_url(),
        params={"appeal": a.label, "outcome": str(chosen)},
    )
    return a


@transaction.atomic
def appeal_request_further(
    *,
    appeal_id: int,
    reason: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Appeal:
    """The appellant asks the city bureau for the one further review (after "upheld" or
    "explanation", within ``FURTHER_REQUEST_WORKDAYS`` working days of the decision)."""
    assert_role(
        role=acting_user.role, is_superuser=acting_user.is_superuser, action=Action.REQUEST_FURTHER
    )
    reason = _clean(reason, field="reason")
    a = access_appeal(acting_user, appeal_id, for_update=True)
    _check_version(a, expected_version)
    target = assert_transition(a.status, Action.REQUEST_FURTHER)
    if a.outcome not in FURTHER_REVIEW_AFTER:
        raise InvalidTransition(
            _("The rating was set aside; there is nothing to review further."),
            extra={"outcome": a.outcome},
        )
    now = clock_now()
    if a.further_request_due_at is not None and now > a.further_request_due_at:
        raise InvalidTransition(
            _("A further review could be asked for until %(deadline)s.")
            % {"deadline": _local(a.further_request_due_at)},
            extra={"deadline": _iso(a.further_request_due_at)},
        )
    bureau = bureau_for(a.unit)
    if bureau is None:
        raise Conflict(
            _("No city bureau (service administration) is configured for further reviews.")
        )
    from_status = a.status
    days = appeal_setting("FURTHER_DECIDE_WORKDAYS")
    a.status = target
    a.further_requested_at = now
    a.further_requested_by = acting_user
    a.further_request_reason = reason
    a.further_unit = bureau
    a.further_days = days
    a.further_due_at = add_workdays(now, days, bureau.region.code)
    a.version += 1
    a.updated_at = now
    a.save(
        update_fields=[
            "status",
            "further_requested_at",
            "further_requested_by",
            "further_request_reason",
            "further_unit",
            "further_days",
            "further_due_at",
            "version",
            "updated_at",
        ]
    )
    events.appeal_event_record(
        appeal=a,
        type=events.FURTHER_REQUESTED,
        acting_user=acting_user,
        note=reason,
        from_status=from_status,
        to_status=a.status,
        payload={"bureau": bureau.name, "further_due_at": _iso(a.further_due_at)},
    )
    recipients: Any = reviewers_of(bureau, roles=(Role.REVIEWER, Role.LIAISON)).exclude(
        pk=a.decided_by_id
    )
    notify(
        recipients=recipients,
        message="appeals.further_requested",
        url=a.get_absolute_url(),
        sms=True,
        params={"appeal": a.label, "due": _local(a.further_due_at)},
    )
    return a


@transaction.atomic
def appeal_decide_further(
    *,
    appeal_id: int,
    outcome: str,
    reason: str,
    acting_user: Any,
    expected_version: int | None = None,
) -> Appeal:
    """The city bureau's further review: final. Someone other than the first reviewer decides."""
    assert_role(
        role=acting_user.role, is_superuser=acting_user.is_superuser, action=Action.DECIDE_FURTHER
    )
    chosen = _outcome(outcome)
    reason = _clean(reason, field="reason")
    a = access_appeal(acting_user, appeal_id, for_update=True)
    _check_version(a, expected_version)
    target = assert_transition(a.status, Action.DECIDE_FURTHER)
    _require_scope(
        acting_user,
        a.further_unit,
        _("The further review is done by %(unit)s, which is outside your scope."),
    )
    if acting_user.pk == a.decided_by_id:
        raise PermissionDenied(
            _("The further review must be decided by someone other than the first reviewer.")
        )
    now = clock_now()
    from_status = a.status
    previous = Outcome(a.final_outcome)
    a.status = target
    a.further_outcome = a.final_outcome = chosen
    a.further_reason = reason
    a.further_decided_by = acting_user
    a.further_decided_at = now
    a.further_overdue = a.further_overdue or (
        a.further_due_at is not None and now > a.further_due_at
    )
    a.version += 1
    a.updated_at = now
    a.save(
        update_fields=[
            "status",
            "further_outcome",
            "final_outcome",
            "further_reason",
            "further_decided_by",
            "further_decided_at",
            "further_overdue",
            "version",
            "updated_at",
        ]
    )
    events.appeal_event_record(
        appeal=a,
        type=events.FURTHER_DECIDED,
        acting_user=acting_user,
        note=reason,
        from_status=from_status,
        to_status=a.status,
        payload={"outcome": str(chosen), "previous": str(previous)},
    )
    if chosen != previous:
        _apply_outcome(a, chosen, reason, stage="further", acting_user=acting_user)
    notify(
        recipients=_appellants(a),
        message="appeals.further_decided",
        url=a.get_absolute_url(),
        params={"appeal": a.label, "outcome": str(chosen)},
    )
    return a


# --- the routing table -----------------------------------------------------------------------


@transaction.atomic
def routing_rule_set(
    *,
    region: Region,
    reviewer_unit: Unit,
    unit: Unit | None = None,
    centre: str = "any",
    note: str = "",
    acting_user: Any,
) -> RoutingRule:
    """Add or replace the routing of (region, unit, centre): one active rule per key."""
    from haochaping.accounts.access import require_role
    from haochaping.appeals.enums import CentreMatch

    require_role(acting_user, Role.ADMIN)
    errors: dict[str, list[str]] = {}
    if centre not in CentreMatch.values:
        errors["centre"] = [_("Choose which items the rule covers.")]
    if unit is not None and not unit.region.path.startswith(region.path):
        errors["unit"] = [_("The unit is not located in the region.")]
    if unit is not None and reviewer_unit.pk == unit.pk:
        errors["reviewer_unit"] = [_("A unit cannot review appeals about itself.")]
    if not reviewer_unit.active:
        errors["reviewer_unit"] = [_("The reviewing unit is inactive.")]
    if errors:
        raise InvalidInput(extra={"errors": errors})
    now = clock_now()
    RoutingRule.objects.filter(region=region, unit=unit, centre=centre, active=True).update(
        active=False, updated_at=now
    )
    return RoutingRule.objects.create(
        region=region,
        unit=unit,
        centre=centre,
        reviewer_unit=reviewer_unit,
        note=note[:300],
        updated_at=now,
    )


@transaction.atomic
def routing_rule_deactivate(*, rule_id: int, acting_user: Any) -> RoutingRule:
    from haochaping.accounts.access import require_role
    from haochaping.core.exceptions import NotFound

    require_role(acting_user, Role.ADMIN)
    rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    rule.active = False
    rule.updated_at = clock_now()
    rule.save(update_fields=["active", "updated_at"])
    return rule
