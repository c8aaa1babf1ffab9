"""Every write of the coverage app.

- Supplementary ratings (plan §三(二)): the daily job turns online cases completed without a rating
  into tasks with a 5-working-day clock; staff send an SMS link (preferred: the citizen rates
  themselves) or record the citizen's phone answer (marked staff-entered). Any valid first rating of
  the case closes its task (``receivers.py``). Regions may enable system-default ratings, which are
  flagged ``is_system_default`` and never count as citizen-initiated.
- 综合点评 (plan §三(三)): comments from boxes, phones, e-mail and the public web form, classified by
  bureau staff; a negative one becomes a case-less rating through ``rating_submit``, whose signal
  opens a rectification routed to the unit the comment names.
- 监督检查评 (plan §三(四)): stratified random samples reproducible from a seed, callback interviews
  (mismatches go to the integrity view through ``events.interview_mismatch_found``), mystery visits
  with follow-up actions.

Every rating goes through ``haochaping.ratings.services.rating_submit`` (directly, or through the
channels app's link, SMS-invitation and phone-entry services).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.access import require_role, unit_scope_q
from haochaping.accounts.enums import Role
from haochaping.cases.enums import ApplyChannel, CaseStatus
from haochaping.cases.models import Case
from haochaping.catalog.models import ServiceItem
from haochaping.core.clock import LOCAL_TZ, now, today
from haochaping.core.compiled_queries import prepared_cursor
from haochaping.core.exceptions import (
    ApplicationError,
    ErrorCode,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from haochaping.core.identifiers import validate_mobile
from haochaping.coverage import events
from haochaping.coverage.conf import coverage_setting
from haochaping.coverage.enums import (
    Answer,
    AttemptKind,
    CommentSource,
    CommentStatus,
    FollowUpStatus,
    InterviewOutcome,
    SampleKind,
    Sentiment,
    Stratum,
    SubjectKind,
    TaskResolution,
    TaskStatus,
    Topic,
)
from haochaping.coverage.models import (
    Comment,
    DefaultRatingPolicy,
    FollowUpAction,
    Interview,
    MysteryVisit,
    Sample,
    SampleEntry,
    SupplementaryTask,
    TaskAttempt,
)
from haochaping.notifications.sms import phone_digest
from haochaping.org.models import Hall, Region, Unit
from haochaping.ratings.conf import rating_setting
from haochaping.ratings.enums import Channel, Level, Stage, Validity
from haochaping.ratings.models import Rating
from haochaping.ratings.services import rating_submit
from haochaping.workdays.arithmetic import add_workdays

logger = logging.getLogger(__name__)

TASK_WORKERS = (Role.WINDOW_STAFF, Role.HANDLER, Role.LIAISON, Role.ADMIN)
TASK_READERS = (*TASK_WORKERS, Role.SUPERVISOR, Role.LEADER)
COMMENT_CLERKS = (Role.LIAISON, Role.ADMIN)
COMMENT_READERS = (*COMMENT_CLERKS, Role.SUPERVISOR, Role.LEADER, Role.HANDLER)
SUPERVISION = (Role.SUPERVISOR, Role.LIAISON, Role.ADMIN)
SUPERVISION_READERS = (*SUPERVISION, Role.LEADER)


def _invalid(field: str, message: Any) -> InvalidInput:
    return InvalidInput(extra={"errors": {field: [str(message)]}})


def _add(errors: dict[str, list[str]], field: str, message: Any) -> None:
    errors.setdefault(field, []).append(str(message))


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LOCAL_TZ)


def contact_key(mobile: str) -> str:
    """A keyed hash of a mobile number: who was contacted, without keeping the number twice."""
    return phone_digest(mobile) if mobile else ""


def _valid_first_rating(**filters: Any):
    return Rating.objects.filter(
        case=OuterRef("pk"), validity=Validity.VALID, assess_number=1, **filters
    )


# --- supplementary ratings -------------------------------------------------------------------------


def supplementary_tasks_create(*, run_day: dt.date | None = None) -> int:
    """Make a task for every online case completed before ``run_day`` (minus the grace) and
    within the look-back, that has no valid first rating and no task yet. Idempotent; one failing
    case is logged and does not stop the others. Returns the number of tasks created."""
    run_day = run_day or today()
    cutoff = _day_start(run_day - dt.timedelta(days=coverage_setting("UNRATED_AFTER_DAYS") - 1))
    earliest = _day_start(run_day - dt.timedelta(days=coverage_setting("LOOKBACK_DAYS")))
    days = coverage_setting("SUPPLEMENTARY_WORKDAYS")
    candidates = (
        Case.objects.filter(
            status=CaseStatus.COMPLETED,
            apply_channel__in=ApplyChannel.online_channels(),
            completed_at__gte=earliest,
            completed_at__lt=cutoff,
        )
        .alias(
            rated=Exists(_valid_first_rating()),
            tasked=Exists(SupplementaryTask.objects.filter(case=OuterRef("pk"))),
        )
        .filter(rated=False, tasked=False)
        .select_related("unit__region")
        .order_by("completed_at", "pk")
    )
    created = 0
    for case in candidates.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                task = SupplementaryTask.objects.create(
                    case=case,
                    unit=case.unit,
                    window_id=case.window_id,
                    created_at=now(),
                    started_at=case.completed_at,
                    days=days,
                    due_at=add_workdays(case.completed_at, days, case.unit.region.code),
                )
                events.coverage_event_record(
                    subject="task",
                    subject_id=task.pk,
                    type=events.TASK_CREATED,
                    payload={"case": case.project_no, "due_at": task.due_at.isoformat()},
                )
            created += 1
        except IntegrityError:
            continue  # another run made it meanwhile
        except Exception:
            logger.exception("coverage: could not make a task for case %s", case.project_no)
    return created


def _lock_open_task(task_id: int) -> SupplementaryTask:
    task = (
        SupplementaryTask.objects.select_for_update(of=("self",))
        .select_related("case", "unit")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound()
    if not task.is_open:
        raise InvalidTransition(_("This task is already closed."))
    return task


def _close(
    task: SupplementaryTask,
    *,
    status: str,
    resolution: str,
    rating: Rating | None,
    acting_user: Any,
) -> SupplementaryTask:
    at = now()
    task.status = status
    task.resolution = resolution
    task.closed_at = at
    task.rating = rating
    task.on_time = status == TaskStatus.RATED and at <= task.due_at
    task.save(update_fields=["status", "resolution", "closed_at", "rating", "on_time"])
    events.coverage_event_record(
        subject="task",
        subject_id=task.pk,
        type=events.TASK_CLOSED,
        acting_user=acting_user,
        payload={
            "resolution": resolution,
            "on_time": task.on_time,
            "receipt": rating.receipt if rating else None,
        },
    )
    return task


_open_task_sql: dict[str, str] = {}


def _open_task_id_locked(case_id: int) -> int | None:
    """The id of the case's open task, row-locked (``FOR UPDATE`` where the database has it),
    or None. Asked once per incoming rating, so the SQL text is built once per process: the
    ORM's query compiler cost more than the look-up itself. One task per case at most."""
    statuses = TaskStatus.open_values()
    sql = _open_task_sql.get(connection.vendor)
    if sql is None:
        meta, qn = SupplementaryTask._meta, connection.ops.quote_name
        column = {f.name: qn(f.column) for f in meta.concrete_fields}
        sql = (
            f"SELECT {column['id']} FROM {qn(meta.db_table)} "  # noqa: S608 - model names only
            f"WHERE {column['case']} = %s AND {column['status']} IN "
            f"({', '.join(['%s'] * len(statuses))}) LIMIT 1"
        )
        if connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        _open_task_sql[connection.vendor] = sql
    with prepared_cursor() as cursor:
        cursor.execute(sql, [case_id, *statuses])
        row = cursor.fetchone()
    return row[0] if row else None


def task_close_on_rating(rating: Rating) -> SupplementaryTask | None:
    """Close the case's open task when a valid first rating arrives (any channel). Called by the
    post_save receiver in the rating's transaction."""
    if rating.case_id is None or rating.assess_number != 1 or rating.validity != Validity.VALID:
        return None
    task_id = _open_task_id_locked(rating.case_id)
    if task_id is None:
        return None  # the everyday case: one cheap statement per rating
    task = SupplementaryTask.objects.get(pk=task_id)  # locked above
    if rating.is_system_default:
        return _close(
            task,
            status=TaskStatus.DEFAULTED,
            resolution=TaskResolution.SYSTEM_DEFAULT,
            rating=rating,
            acting_user=None,
        )
    if rating.channel == Channel.SMS:
        resolution = TaskResolution.SMS_LINK
    elif rating.channel == Channel.PHONE and rating.is_staff_entered:
        resolution = TaskResolution.PHONE
    else:
        resolution = TaskResolution.OTHER_CHANNEL
    return _close(
        task, status=TaskStatus.RATED, resolution=resolution, rating=rating, acting_user=None
    )


def tasks_close_rated() -> int:
    """Close open tasks whose case got a valid first rating without a post_save (the ratings
    app's bulk import writes rows directly). Run by the daily job."""
    n = 0
    rated = (
        SupplementaryTask.objects.filter(status__in=TaskStatus.open_values())
        .alias(
            rated=Exists(
                Rating.objects.filter(
                    case=OuterRef("case_id"), validity=Validity.VALID, assess_number=1
                )
            )
        )
        .filter(rated=True)
    )
    for task in rated.values_list("case_id", flat=True).iterator():
        rating = (
            Rating.objects.filter(case_id=task, validity=Validity.VALID, assess_number=1)
            .order_by("received_at", "pk")
            .first()
        )
        with transaction.atomic():
            if rating is not None and task_close_on_rating(rating) is not None:
                n += 1
    return n


@transaction.atomic
def task_sms_send(
    *, task_id: int, acting_user: Any, language: str = "", request: Any = None
) -> TaskAttempt:
    """Send the citizen a rating link by SMS (channel 7): the citizen rates themselves."""
    from haochaping.channels.services import rating_invitation_send

    require_role(acting_user, *TASK_WORKERS)
    task = _lock_open_task(task_id)
    invitation = rating_invitation_send(
        case=task.case,
        stage=Stage.COMPLETION,
        language=language,
        acting_user=acting_user,
        request=request,
    )
    attempt = TaskAttempt.objects.create(
        task=task,
        kind=AttemptKind.SMS,
        sms_id=invitation.sms.pk,
        acting_user=acting_user,
        created_at=now(),
        note=str(invitation.sms.status),
    )
    if task.status == TaskStatus.OPEN:
        task.status = TaskStatus.INVITED
        task.save(update_fields=["status"])
    events.coverage_event_record(
        subject="task",
        subject_id=task.pk,
        type=events.TASK_SMS_SENT,
        acting_user=acting_user,
        payload={"sms": invitation.sms.pk, "status": invitation.sms.status},
    )
    return attempt


@transaction.atomic
def task_phone_answer_record(
    *,
    task_id: int,
    level: str,
    acting_user: Any,
    option_codes: list[str] | None = None,
    text: str = "",
    note: str = "",
) -> TaskAttempt:
    """Record the rating the citizen gave on the phone (channel 6, marked staff-entered)."""
    from haochaping.channels.enums import EntryKind
    from haochaping.channels.services import staff_rating_record

    require_role(acting_user, *TASK_WORKERS)
    task = _lock_open_task(task_id)
    entry = staff_rating_record(
        kind=EntryKind.PHONE,
        case=task.case,
        level=level,
        operator=acting_user,
        stage=Stage.COMPLETION,
        option_codes=option_codes or [],
        text=text,
        note=note or str(_("Supplementary rating by phone")),
    )
    attempt = TaskAttempt.objects.create(
        task=task,
        kind=AttemptKind.PHONE_ANSWER,
        rating=entry.rating,
        note=note[:300],
        acting_user=acting_user,
        created_at=now(),
    )
    events.coverage_event_record(
        subject="task",
        subject_id=task.pk,
        type=events.TASK_ATTEMPT,
        acting_user=acting_user,
        payload={"kind": AttemptKind.PHONE_ANSWER, "receipt": entry.rating.receipt},
    )
    return attempt


@transaction.atomic
def task_attempt_record(
    *, task_id: int, kind: str, acting_user: Any, note: str = ""
) -> TaskAttempt:
    """A contact that gave no rating: not reached (the task stays open) or declined (closes it)."""
    require_role(acting_user, *TASK_WORKERS)
    if kind not in (AttemptKind.PHONE_NOT_REACHED, AttemptKind.DECLINED):
        raise _invalid("kind", _("Choose: not reached, or declined."))
    if kind == AttemptKind.DECLINED and not note.strip():
        raise _invalid("note", _("Say what the citizen answered."))
    task = _lock_open_task(task_id)
    attempt = TaskAttempt.objects.create(
        task=task, kind=kind, note=note[:300], acting_user=acting_user, created_at=now()
    )
    events.coverage_event_record(
        subject="task",
        subject_id=task.pk,
        type=events.TASK_ATTEMPT,
        acting_user=acting_user,
        payload={"kind": kind, "note": note},
    )
    if kind == AttemptKind.DECLINED:
        _close(
            task,
            status=TaskStatus.DECLINED,
            resolution=TaskResolution.DECLINED,
            rating=None,
            acting_user=acting_user,
        )
    return attempt


def tasks_expire(*, at: dt.datetime | None = None) -> int:
    """Close open tasks whose case can no longer be rated (the rating window has ended)."""
    at = at or now()
    limit = at - dt.timedelta(days=rating_setting("RATING_WINDOW_DAYS"))
    n = 0
    for task_id in SupplementaryTask.objects.filter(
        status__in=TaskStatus.open_values(), started_at__lt=limit
    ).values_list("pk", flat=True):
        with transaction.atomic():
            task = SupplementaryTask.objects.select_for_update().get(pk=task_id)
            if task.is_open:
                _close(
                    task,
                    status=TaskStatus.EXPIRED,
                    resolution=TaskResolution.EXPIRED,
                    rating=None,
                    acting_user=None,
                )
                n += 1
    return n


# --- system-default ratings ------------------------------------------------------------------------


def policy_for_region(
    region: Region, policies: dict[str, DefaultRatingPolicy] | None = None
) -> DefaultRatingPolicy | None:
    """The region's own policy, else its nearest ancestor's (Chengguan inherits Lhasa's)."""
    if policies is None:
        policies = {p.region.path: p for p in DefaultRatingPolicy.objects.select_related("region")}
    parts = [p for p in region.path.strip("/").split("/") if p]
    for i in range(len(parts), 0, -1):
        found = policies.get("/" + "/".join(parts[:i]) + "/")
        if found is not None:
            return found
    return None


@transaction.atomic
def default_policy_set(
    *,
    region: Region,
    enabled: bool,
    after_days: int = 7,
    level: str = Level.BASIC,
    acting_user: Any,
) -> DefaultRatingPolicy:
    require_role(acting_user, Role.ADMIN)
    if not 1 <= int(after_days) <= rating_setting("RATING_WINDOW_DAYS"):
        raise _invalid("after_days", _("Between 1 day and the rating window."))
    if level not in Level.values:
        raise _invalid("level", _("Choose a level."))
    policy, _created = DefaultRatingPolicy.objects.update_or_create(
        region=region, defaults={"enabled": enabled, "after_days": after_days, "level": level}
    )
    return policy


_DEFAULT_CHANNEL = {
    ApplyChannel.ONLINE: Channel.PC,
    ApplyChannel.APP: Channel.MOBILE,
    ApplyChannel.WINDOW: Channel.EVALUATOR,
    ApplyChannel.SELF_SERVICE: Channel.KIOSK,
}


def system_defaults_write(*, at: dt.datetime | None = None) -> int:
    """Write a system-default rating (flagged, never citizen-initiated) for each completed case of
    a region whose policy is enabled, still unrated ``after_days`` natural days after completion,
    whose supplementary task (if any) is no longer running before its deadline. Returns the count.
    """
    at = at or now()
    policies = {p.region.path: p for p in DefaultRatingPolicy.objects.select_related("region")}
    enabled = [p for p in policies.values() if p.enabled]
    if not enabled:
        return 0
    window_start = at - dt.timedelta(days=rating_setting("RATING_WINDOW_DAYS"))
    running_task = SupplementaryTask.objects.filter(
        case=OuterRef("pk"), status__in=TaskStatus.open_values(), due_at__gt=at
    )
    region_q = Q()
    for p in enabled:
        region_q |= Q(unit__region__path__startswith=p.region.path)
    shortest = min(p.after_days for p in enabled)
    candidates = (
        Case.objects.filter(
            region_q,
            status=CaseStatus.COMPLETED,
            completed_at__gte=window_start,
            completed_at__lte=at - dt.timedelta(days=shortest),
        )
        .alias(
            rated=Exists(Rating.objects.filter(case=OuterRef("pk"), assess_number=1)),
            running=Exists(running_task),
        )
        .filter(rated=False, running=False)
        .select_related("unit__region")
        .order_by("completed_at", "pk")
    )
    written = 0
    for case in candidates.iterator(chunk_size=500):
        policy = policy_for_region(case.unit.region, policies)
        if policy is None or not policy.enabled:
            continue
        if case.completed_at > at - dt.timedelta(days=policy.after_days):
            continue
        try:
            with transaction.atomic():
                result = rating_submit(
                    case=case,
                    stage=Stage.COMPLETION,
                    level=policy.level,
                    channel=_DEFAULT_CHANNEL.get(case.apply_channel, Channel.PC),
                    assessed_at=at,
                    is_system_default=True,
                    evaluator_type=case.applicant_type,
                    idempotency_key=f"default-{case.pk}",
                )
                events.coverage_event_record(
                    subject="case",
                    subject_id=case.pk,
                    type=events.DEFAULT_WRITTEN,
                    payload={"receipt": result.rating.receipt, "level": policy.level},
                )
            written += 1
        except ApplicationError as exc:
            logger.info("coverage: no default for case %s: %s", case.project_no, exc)
        except Exception:
            logger.exception("coverage: default rating failed for case %s", case.project_no)
    return written


# --- 综合点评 ----------------------------------------------------------------------------------------


class TooManyComments(ApplicationError):
    code = ErrorCode.CONFLICT
    status = 429
    default_message = _("Too many messages from your connection. Please try again later.")


COMMENT_CHANNEL = {
    # source -> (rating channel, is_paper, is_staff_entered)
    CommentSource.SUGGESTION_BOX: (Channel.KIOSK, True, True),
    CommentSource.COMPLAINT_PHONE: (Channel.PHONE, False, True),
    CommentSource.EMAIL: (Channel.PC, False, True),
    CommentSource.WEB: (Channel.PC, False, False),
}


def _reference_new() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "C" + "".join(alphabet[b % 32] for b in secrets.token_bytes(9))


def _subject(
    *,
    subject_kind: str,
    unit: Unit | None,
    hall: Hall | None,
    item: ServiceItem | None,
    errors: dict[str, list[str]],
) -> Unit | None:
    if subject_kind == SubjectKind.UNIT:
        if unit is None:
            _add(errors, "unit", _("Choose the unit."))
        return unit
    if subject_kind == SubjectKind.HALL:
        if hall is None:
            _add(errors, "hall", _("Choose the service hall."))
            return None
        if unit is None and hall.operator_id is None:
            _add(errors, "unit", _("This hall has no operating unit: choose the unit."))
        return unit or hall.operator
    if subject_kind == SubjectKind.ITEM:
        if item is None:
            _add(errors, "item", _("Choose the service item."))
            return None
        return item.unit
    _add(errors, "subject_kind", _("Say what the comment is about: a unit, a hall or an item."))
    return None


def comment_register(
    *,
    source: str,
    subject_kind: str,
    text: str,
    acting_user: Any = None,
    unit: Unit | None = None,
    hall: Hall | None = None,
    item: ServiceItem | None = None,
    received_at: dt.datetime | None = None,
    source_ref: str = "",
    submitter_name: str = "",
    submitter_mobile: str = "",
    submitter_email: str = "",
    language: str = "",
    client_hash: str = "",
) -> Comment:
    """Register a comment. Staff (liaison, admin) register slips, calls and e-mails; the public
    form calls :func:`comment_submit_public` (``acting_user`` None, source web)."""
    if acting_user is not None:
        require_role(acting_user, *COMMENT_CLERKS)
    errors: dict[str, list[str]] = {}
    if source not in CommentSource.values:
        _add(errors, "source", _("Choose where the comment came from."))
    resolved = _subject(subject_kind=subject_kind, unit=unit, hall=hall, item=item, errors=errors)
    text = (text or "").strip()
    limit = coverage_setting("COMMENT_TEXT_MAX")
    if not text:
        _add(errors, "text", _("Write the comment."))
    elif len(text) > limit:
        _add(
            errors, "text", _("The comment is too long (at most %(n)d characters).") % {"n": limit}
        )
    submitter_mobile = (submitter_mobile or "").strip()
    if submitter_mobile:
        try:
            validate_mobile(submitter_mobile)
        except ValidationError as exc:
            errors.setdefault("submitter_mobile", []).extend(str(m) for m in exc.messages)
    submitter_email = (submitter_email or "").strip()
    if submitter_email:
        try:
            validate_email(submitter_email)
        except ValidationError:
            _add(errors, "submitter_email", _("Enter a valid e-mail address."))
    at = now()
    received_at = received_at or at
    if received_at > at + dt.timedelta(minutes=5):
        _add(errors, "received_at", _("The time received lies in the future."))
    if len(submitter_name or "") > 100:
        _add(errors, "submitter_name", _("The name is too long (at most 100 characters)."))
    if len(source_ref or "") > 60:
        _add(errors, "source_ref", _("The reference is too long (at most 60 characters)."))
    if acting_user is not None and resolved is not None and not acting_user.is_superuser:
        if not Unit.objects.filter(unit_scope_q(acting_user), pk=resolved.pk).exists():
            _add(errors, "unit", _("This unit is outside your area."))
    if errors:
        raise InvalidInput(extra={"errors": errors})
    with transaction.atomic():
        comment = Comment.objects.create(
            reference=_reference_new(),
            source=source,
            subject_kind=subject_kind,
            unit=resolved,
            hall=hall if subject_kind == SubjectKind.HALL else None,
            item=item if subject_kind == SubjectKind.ITEM else None,
            text=text,
            source_ref=(source_ref or "").strip(),
            submitter_name=(submitter_name or "").strip(),
            submitter_mobile=submitter_mobile,
            submitter_email=submitter_email,
            language=language or "",
            received_at=received_at,
            created_at=at,
            registered_by=acting_user,
            client_hash=client_hash,
        )
        events.coverage_event_record(
            subject="comment",
            subject_id=comment.pk,
            type=events.COMMENT_RECEIVED,
            acting_user=acting_user,
            payload={"source": source, "unit": resolved.pk},
        )
    return comment


def comment_submit_public(*, client_hash: str, **fields: Any) -> Comment:
    """The public form's write: rate-limited per client address (keyed hash), source web."""
    at = now()
    for seconds, most in coverage_setting("FORM_RATE_LIMITS"):
        recent = Comment.objects.filter(
            client_hash=client_hash, created_at__gt=at - dt.timedelta(seconds=seconds)
        ).count()
        if recent >= most:
            raise TooManyComments()
    return comment_register(
        source=CommentSource.WEB, acting_user=None, client_hash=client_hash, **fields
    )


@transaction.atomic
def comment_classify(
    *,
    comment_id: int,
    sentiment: str,
    acting_user: Any,
    topic: str = "",
    level: str = "",
    note: str = "",
) -> Comment:
    """Classify a new comment. Negative: a case-less bad rating for the unit, which opens the
    rectification (routed to that unit); spam: rejected; otherwise noted."""
    require_role(acting_user, *COMMENT_CLERKS)
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .filter(unit_scope_q(acting_user, prefix="unit__"), pk=comment_id)
        .select_related("unit")
        .first()
    )
    if comment is None:
        raise NotFound()
    if comment.status != CommentStatus.NEW:
        raise InvalidTransition(_("This comment is already classified."))
    errors: dict[str, list[str]] = {}
    if sentiment not in Sentiment.values:
        _add(errors, "sentiment", _("Choose a classification."))
    if topic and topic not in Topic.values:
        _add(errors, "topic", _("Choose a topic."))
    if sentiment == Sentiment.NEGATIVE and level not in Level.bad_levels():
        _add(errors, "level", _("A negative comment is rated 不满意 or 非常不满意."))
    if errors:
        raise InvalidInput(extra={"errors": errors})
    comment.sentiment = sentiment
    comment.topic = topic or ("" if sentiment == Sentiment.SPAM else Topic.OTHER)
    comment.classified_by = acting_user
    comment.classified_at = now()
    comment.classification_note = (note or "")[:500]
    if sentiment == Sentiment.SPAM:
        comment.status = CommentStatus.REJECTED
    elif sentiment == Sentiment.NEGATIVE:
        channel, is_paper, staff_entered = COMMENT_CHANNEL[comment.source]
        summary = comment.text if len(comment.text) <= 140 else comment.text[:139] + "…"
        anonymous = not (comment.submitter_name or comment.submitter_mobile)
        rating = rating_submit(
            case=None,
            unit=comment.unit,
            level=level,
            channel=channel,
            assessed_at=comment.received_at,
            text=f"[{comment.reference}] {summary}"[:150],
            is_paper=is_paper,
            is_staff_entered=staff_entered,
            evaluator_name=comment.submitter_name,
            evaluator_mobile=comment.submitter_mobile,
            is_anonymous=anonymous,
            language=comment.language if comment.language in ("zh-hans", "bo", "en") else "",
            idempotency_key=f"comment-{comment.pk}",
            acting_user=acting_user,
        ).rating
        comment.rating = rating
        comment.status = CommentStatus.ROUTED
    else:
        comment.status = CommentStatus.NOTED
    comment.save(
        update_fields=[
            "sentiment",
            "topic",
            "classified_by",
            "classified_at",
            "classification_note",
            "status",
            "rating",
        ]
    )
    events.coverage_event_record(
        subject="comment",
        subject_id=comment.pk,
        type=events.COMMENT_ROUTED if comment.rating_id else events.COMMENT_CLASSIFIED,
        acting_user=acting_user,
        payload={
            "sentiment": sentiment,
            "topic": comment.topic,
            "receipt": comment.rating.receipt if comment.rating_id else None,
        },
    )
    return comment


# --- 监督检查评: sampling ------------------------------------------------------------------------


def recently_contacted(
    *, before: dt.datetime, days: int, exclude_sample_id: int | None = None
) -> set[str]:
    """Contact keys of citizens contacted in the ``days`` before ``before``: callback interviews,
    supplementary-rating contacts, rectification callbacks, and entries of samples drawn then."""
    from haochaping.rectification.models import Callback

    since = before - dt.timedelta(days=days)
    keys: set[str] = set(
        Interview.objects.filter(created_at__gte=since, created_at__lt=before)
        .exclude(contact_key="")
        .values_list("contact_key", flat=True)
    )
    drawn = SampleEntry.objects.filter(
        sample__drawn_at__gte=since, sample__drawn_at__lt=before
    ).exclude(contact_key="")
    if exclude_sample_id is not None:
        drawn = drawn.exclude(sample_id=exclude_sample_id)
    keys.update(drawn.values_list("contact_key", flat=True))
    mobiles = set(
        TaskAttempt.objects.filter(created_at__gte=since, created_at__lt=before).values_list(
            "task__case__applicant_mobile", flat=True
        )
    )
    for ev_mobile, case_mobile in Callback.objects.filter(
        created_at__gte=since, created_at__lt=before
    ).values_list(
        "rectification__rating__evaluator_mobile", "rectification__rating__case__applicant_mobile"
    ):
        mobiles.add(ev_mobile or case_mobile or "")
    keys.update(contact_key(m) for m in mobiles if m)
    return keys


def _population(
    *,
    kind: str,
    strata: list[str],
    since: dt.date,
    until: dt.date,
    unit: Unit | None,
    item_ids: list[int],
    as_of: dt.datetime,
    user: Any,
) -> list[tuple[int, str, int, str]]:
    """(subject id, stratum key, unit id, contact key) of every candidate, in id order."""
    if kind == SampleKind.CALLBACK:
        qs = Rating.objects.filter(
            unit_scope_q(user, prefix="unit__"),
            validity=Validity.VALID,
            assess_number=1,
            is_system_default=False,
            is_anonymous=False,
            case__isnull=False,
            assessed_at__gte=_day_start(since),
            assessed_at__lt=_day_start(until + dt.timedelta(days=1)),
            received_at__lte=as_of,
        )
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        if item_ids:
            qs = qs.filter(item_id__in=item_ids)
        rows = []
        for pk, unit_id, item_id, channel, ev_mobile, case_mobile in qs.order_by("pk").values_list(
            "pk", "unit_id", "item_id", "channel", "evaluator_mobile", "case__applicant_mobile"
        ):
            mobile = ev_mobile or case_mobile
            if not mobile:
                continue
            parts = {
                "unit": f"unit:{unit_id}",
                "item": f"item:{item_id or 0}",
                "channel": f"channel:{channel}",
            }
            rows.append((pk, "|".join(parts[s] for s in strata), unit_id, contact_key(mobile)))
        return rows
    qs = ServiceItem.objects.filter(unit_scope_q(user, prefix="unit__"), active=True)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if item_ids:
        qs = qs.filter(pk__in=item_ids)
    return [
        (pk, f"unit:{unit_id}" if strata else "all", unit_id, "")
        for pk, unit_id in qs.order_by("pk").values_list("pk", "unit_id")
    ]


def draw(
    population: list[tuple[int, str, int, str]],
    *,
    seed: int,
    per_stratum: int,
    excluded_keys: set[str],
) -> tuple[list[tuple[int, str, int, str]], int]:
    """Pure: the stratified draw. Each stratum (sorted by key) is shuffled by its own generator
    seeded with "<seed>/<stratum>", then up to ``per_stratum`` candidates are taken, skipping
    recently contacted citizens and citizens already taken. Returns (chosen, excluded count)."""
    strata: dict[str, list[tuple[int, str, int, str]]] = defaultdict(list)
    for row in population:
        strata[row[1]].append(row)
    chosen: list[tuple[int, str, int, str]] = []
    taken: set[str] = set()
    excluded = 0
    for key in sorted(strata):
        rows = sorted(strata[key])
        random.Random(f"{seed}/{key}").shuffle(rows)  # noqa: S311 - sampling, not secrets
        n = 0
        for row in rows:
            if n >= per_stratum:
                break
            ck = row[3]
            if ck and ck in excluded_keys:
                excluded += 1
                continue
            if ck and ck in taken:
                continue
            chosen.append(row)
            if ck:
                taken.add(ck)
            n += 1
    return chosen, excluded


def _sample_params_check(
    *,
    kind: str,
    strata: list[str],
    per_stratum: int,
    since: dt.date,
    until: dt.date,
    exclude_days: int,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in SampleKind.values:
        _add(errors, "kind", _("Choose the kind of sample."))
    if (
        not strata
        or any(s not in Stratum.values for s in strata)
        or len(set(strata)) != len(strata)
    ):
        _add(errors, "strata", _("Choose one or more of: unit, service item, channel."))
    elif kind == SampleKind.INSPECTION and strata != [Stratum.UNIT]:
        _add(errors, "strata", _("Inspection samples of service items are stratified by unit."))
    if not 1 <= per_stratum <= coverage_setting("SAMPLE_MAX_PER_STRATUM"):
        _add(
            errors,
            "per_stratum",
            _("Between 1 and %(n)d per stratum.")
            % {"n": coverage_setting("SAMPLE_MAX_PER_STRATUM")},
        )
    if since > until:
        _add(errors, "until", _("The end lies before the start."))
    if not 0 <= exclude_days <= 365:
        _add(errors, "exclude_days", _("Between 0 and 365 days."))
    if errors:
        raise InvalidInput(extra={"errors": errors})


@transaction.atomic
def sample_draw(
    *,
    kind: str,
    name: str,
    strata: list[str],
    per_stratum: int,
    since: dt.date,
    until: dt.date,
    acting_user: Any,
    seed: int | None = None,
    unit: Unit | None = None,
    item_ids: list[int] | None = None,
    exclude_days: int | None = None,
    note: str = "",
) -> Sample:
    """Draw a stratified random sample, store it with its seed, and list its entries."""
    require_role(acting_user, *SUPERVISION)
    exclude_days = coverage_setting("RECENT_CONTACT_DAYS") if exclude_days is None else exclude_days
    _sample_params_check(
        kind=kind,
        strata=strata,
        per_stratum=per_stratum,
        since=since,
        until=until,
        exclude_days=exclude_days,
    )
    if not (name or "").strip():
        raise _invalid("name", _("Give the sample a name."))
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    at = now()
    sample = Sample.objects.create(
        kind=kind,
        name=name.strip()[:200],
        strata=list(strata),
        per_stratum=per_stratum,
        seed=seed,
        since=since,
        until=until,
        unit=unit,
        item_ids=list(item_ids or []),
        exclude_days=exclude_days,
        drawn_at=at,
        drawn_by=acting_user,
        note=(note or "")[:500],
    )
    chosen, excluded, size = _redraw(sample, acting_user)
    SampleEntry.objects.bulk_create(
        [
            SampleEntry(
                sample=sample,
                position=i + 1,
                stratum=row[1],
                unit_id=row[2],
                rating_id=row[0] if kind == SampleKind.CALLBACK else None,
                item_id=row[0] if kind == SampleKind.INSPECTION else None,
                contact_key=row[3],
            )
            for i, row in enumerate(chosen)
        ]
    )
    sample.population, sample.excluded = size, excluded
    sample.save(update_fields=["population", "excluded"])
    events.coverage_event_record(
        subject="sample",
        subject_id=sample.pk,
        type=events.SAMPLE_DRAWN,
        acting_user=acting_user,
        payload={"seed": seed, "entries": len(chosen), "population": size, "excluded": excluded},
    )
    return sample


def _redraw(sample: Sample, user: Any) -> tuple[list[tuple[int, str, int, str]], int, int]:
    population = _population(
        kind=sample.kind,
        strata=sample.strata,
        since=sample.since,
        until=sample.until,
        unit=sample.unit,
        item_ids=sample.item_ids,
        as_of=sample.drawn_at,
        user=user,
    )
    excluded_keys = (
        recently_contacted(
            before=sample.drawn_at, days=sample.exclude_days, exclude_sample_id=sample.pk
        )
        if sample.kind == SampleKind.CALLBACK and sample.exclude_days
        else set()
    )
    chosen, excluded = draw(
        population, seed=sample.seed, per_stratum=sample.per_stratum, excluded_keys=excluded_keys
    )
    return chosen, excluded, len(population)


def sample_reproduces(sample: Sample) -> bool:
    """Draw again from the stored parameters, seed and moment: the same entries in the same order?
    (Ratings excluded since, or units moved, can change the population; this says so.)"""
    chosen, _excluded, _size = _redraw(sample, sample.drawn_by)
    stored = list(sample.entries.order_by("position").values_list("rating_id", "item_id"))
    again = [(r[0], None) if sample.kind == SampleKind.CALLBACK else (None, r[0]) for r in chosen]
    return stored == again


@transaction.atomic
def interview_record(
    *,
    entry_id: int,
    outcome: str,
    acting_user: Any,
    confirms_rating: str = "",
    stated_level: str = "",
    entered_by_staff: str = "",
    pressured: str = "",
    note: str = "",
) -> Interview:
    """Record a callback interview of a sampled citizen; a mismatch is flagged and signalled."""
    require_role(acting_user, *SUPERVISION)
    entry = (
        SampleEntry.objects.select_for_update(of=("self",))
        .filter(unit_scope_q(acting_user, prefix="unit__"), pk=entry_id)
        .select_related("sample", "rating")
        .first()
    )
    if entry is None:
        raise NotFound()
    if entry.sample.kind != SampleKind.CALLBACK:
        raise InvalidTransition(_("Interviews are recorded for callback samples only."))
    if entry.done_at is not None:
        raise InvalidTransition(_("This citizen has already been interviewed."))
    errors: dict[str, list[str]] = {}
    if outcome not in InterviewOutcome.values:
        _add(errors, "outcome", _("Choose the outcome."))
    reached = outcome == InterviewOutcome.REACHED
    for field, value in (
        ("confirms_rating", confirms_rating),
        ("entered_by_staff", entered_by_staff),
        ("pressured", pressured),
    ):
        if value and value not in Answer.values:
            _add(errors, field, _("Answer yes, no or not sure."))
        if value and not reached:
            _add(errors, field, _("Only a citizen who was reached can answer."))
    if reached and not confirms_rating:
        _add(errors, "confirms_rating", _("Does the citizen confirm the rating?"))
    if stated_level and stated_level not in Level.values:
        _add(errors, "stated_level", _("Choose a level."))
    if errors:
        raise InvalidInput(extra={"errors": errors})
    mismatch = reached and (
        confirms_rating == Answer.NO
        or entered_by_staff == Answer.YES
        or pressured == Answer.YES
        or bool(stated_level and stated_level != entry.rating.level)
    )
    interview = Interview.objects.create(
        entry=entry,
        outcome=outcome,
        confirms_rating=confirms_rating,
        stated_level=stated_level,
        entered_by_staff=entered_by_staff,
        pressured=pressured,
        mismatch=mismatch,
        note=(note or "")[:500],
        contact_key=entry.contact_key,
        acting_user=acting_user,
        created_at=now(),
    )
    if outcome in (InterviewOutcome.REACHED, InterviewOutcome.REFUSED):
        entry.done_at = interview.created_at
    entry.mismatch = entry.mismatch or mismatch
    entry.save(update_fields=["done_at", "mismatch"])
    events.coverage_event_record(
        subject="entry",
        subject_id=entry.pk,
        type=events.INTERVIEW_MISMATCH if mismatch else events.INTERVIEW_RECORDED,
        acting_user=acting_user,
        payload={"outcome": outcome, "receipt": entry.rating.receipt},
    )
    if mismatch:
        events.interview_mismatch_found.send(
            sender=Interview, interview=interview, rating=entry.rating
        )
    return interview


# --- 暗访 ------------------------------------------------------------------------------------------


def _in_scope(user: Any, unit: Unit | None) -> bool:
    return unit is not None and Unit.objects.filter(unit_scope_q(user), pk=unit.pk).exists()


@transaction.atomic
def visit_record(
    *,
    unit: Unit | None,
    visited_at: dt.datetime | None,
    scenario: str,
    findings: str,
    level: str,
    acting_user: Any,
    hall: Hall | None = None,
    item: ServiceItem | None = None,
    problems_found: bool = False,
    entry_id: int | None = None,
) -> MysteryVisit:
    """Record a mystery visit; with ``entry_id`` it answers an inspection-sample entry."""
    require_role(acting_user, *SUPERVISION)
    errors: dict[str, list[str]] = {}
    if not _in_scope(acting_user, unit):
        _add(errors, "unit", _("Choose a unit in your area."))
    if visited_at is None:
        _add(errors, "visited_at", _("Give the time of the visit."))
    elif visited_at > now() + dt.timedelta(minutes=5):
        _add(errors, "visited_at", _("The visit lies in the future."))
    if not (scenario or "").strip():
        _add(errors, "scenario", _("Describe what the visitor asked for."))
    if not (findings or "").strip():
        _add(errors, "findings", _("Write the findings."))
    if level not in Level.values:
        _add(errors, "level", _("Choose a level."))
    entry = None
    if entry_id is not None:
        entry = (
            SampleEntry.objects.select_for_update()
            .filter(pk=entry_id, sample__kind=SampleKind.INSPECTION, done_at__isnull=True)
            .first()
        )
        if entry is None:
            _add(errors, "entry", _("This inspection entry is not open."))
    if errors:
        raise InvalidInput(extra={"errors": errors})
    visit = MysteryVisit.objects.create(
        unit=unit,
        hall=hall,
        item=item or (entry.item if entry else None),
        visited_at=visited_at,
        scenario=scenario.strip()[:300],
        findings=findings.strip(),
        problems_found=bool(problems_found) or level in Level.bad_levels(),
        level=level,
        inspector=acting_user,
        created_at=now(),
    )
    if entry is not None:
        entry.done_at = visit.created_at
        entry.save(update_fields=["done_at"])
    events.coverage_event_record(
        subject="visit",
        subject_id=visit.pk,
        type=events.VISIT_RECORDED,
        acting_user=acting_user,
        payload={"unit": unit.pk, "problems": visit.problems_found},
    )
    return visit


@transaction.atomic
def follow_up_add(
    *,
    visit_id: int,
    description: str,
    unit: Unit | None,
    due_date: dt.date | None,
    acting_user: Any,
) -> FollowUpAction:
    require_role(acting_user, *SUPERVISION)
    visit = MysteryVisit.objects.filter(
        unit_scope_q(acting_user, prefix="unit__"), pk=visit_id
    ).first()
    if visit is None:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if not (description or "").strip():
        _add(errors, "description", _("Describe the action."))
    if not _in_scope(acting_user, unit):
        _add(errors, "unit", _("Choose a unit in your area."))
    if due_date is None or due_date < today():
        _add(errors, "due_date", _("Give a due date from today on."))
    if errors:
        raise InvalidInput(extra={"errors": errors})
    action = FollowUpAction.objects.create(
        visit=visit,
        description=description.strip()[:500],
        unit=unit,
        due_date=due_date,
        created_by=acting_user,
        created_at=now(),
    )
    events.coverage_event_record(
        subject="visit",
        subject_id=visit.pk,
        type=events.ACTION_ADDED,
        acting_user=acting_user,
        payload={"action": action.pk},
    )
    return action


@transaction.atomic
def follow_up_done(*, action_id: int, note: str, acting_user: Any) -> FollowUpAction:
    require_role(acting_user, *SUPERVISION)
    action = (
        FollowUpAction.objects.select_for_update(of=("self",))
        .filter(unit_scope_q(acting_user, prefix="visit__unit__"), pk=action_id)
        .first()
    )
    if action is None:
        raise NotFound()
    if action.status != FollowUpStatus.OPEN:
        raise InvalidTransition(_("This action is already done."))
    if not (note or "").strip():
        raise _invalid("note", _("Say what was done."))
    action.status = FollowUpStatus.DONE
    action.done_at = now()
    action.done_note = note.strip()[:500]
    action.save(update_fields=["status", "done_at", "done_note"])
    events.coverage_event_record(
        subject="visit",
        subject_id=action.visit_id,
        type=events.ACTION_DONE,
        acting_user=acting_user,
        payload={"action": action.pk},
    )
    return action
