"""/api/v1/coverage/: supplementary-rating tasks, the online rating figures, 综合点评 intake and
classification, supervision samples and interviews, mystery visits.

Staff authenticate with their Django session (CSRF applies to writes). Levels travel as
``satisfaction`` in the 好差评 interface direction (1 = 非常不满意 … 5 = 非常满意). Errors are
``{"code", "message", "extra"}``: 401 not logged in, 403 wrong role, 404 unknown or out of scope,
409 not allowed in the current state, 422 bad input. Citizens use the public form (/comment/),
not this API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import SessionAuth

from haochaping.accounts.access import (
    access_comment,
    access_sample,
    access_supplementary_task,
    access_visit,
    require_role,
    unit_list_for,
)
from haochaping.catalog.models import ServiceItem
from haochaping.core.clock import LOCAL_TZ, today
from haochaping.core.exceptions import ApplicationError, ErrorCode, InvalidInput, NotFound
from haochaping.coverage import selectors, services
from haochaping.coverage.models import Comment, MysteryVisit, Sample, SupplementaryTask
from haochaping.org.models import Hall
from haochaping.ratings.enums import level_from_hcp, level_to_hcp


class NotLoggedIn(ApplicationError):
    code = ErrorCode.AUTH_MISSING
    status = 401
    default_message = _("Log in first.")


class StaffSession(SessionAuth):
    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        raise NotLoggedIn()


router = Router(tags=["coverage"], auth=StaffSession())


class ErrorOut(Schema):
    code: str
    message: str
    extra: dict[str, Any] = {}


_ERR = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}  # 400: body is not JSON


def _t(value: dt.datetime | None) -> str | None:
    return value.astimezone(LOCAL_TZ).isoformat() if value else None


def _level(satisfaction: int | None, field: str = "satisfaction") -> str:
    if satisfaction is None:
        return ""
    try:
        return level_from_hcp(satisfaction).value
    except ValueError:
        raise InvalidInput(extra={"errors": {field: [str(_("Satisfaction is 1 to 5."))]}}) from None


def _period(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    until = until or today()
    return since or until - dt.timedelta(days=29), until


class PeriodQuery(Schema):
    since: dt.date | None = None
    until: dt.date | None = None
    unitId: int | None = None


# --- figures -------------------------------------------------------------------------------------


@router.get("/coverage/online-rating-rate", response={200: dict, **_ERR})
def online_rating_rate(request: HttpRequest, q: Query[PeriodQuery]) -> dict[str, Any]:
    """线上办件有效评价率 per unit (definition in docs/coverage.md)."""
    require_role(request.user, *services.TASK_READERS)
    since, until = _period(q.since, q.until)
    rows = selectors.online_rating_rate(request.user, since=since, until=until, unit_id=q.unitId)
    total = selectors.online_rating_rate_total(rows)
    body = total.as_dict()
    del body["unitId"], body["unit"]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "total": body,
        "units": [r.as_dict() for r in rows],
    }


@router.get("/coverage/supplementary-completion", response={200: dict, **_ERR})
def supplementary_completion(request: HttpRequest, q: Query[PeriodQuery]) -> dict[str, Any]:
    require_role(request.user, *services.TASK_READERS)
    since, until = _period(q.since, q.until)
    c = selectors.supplementary_completion(request.user, since=since, until=until)
    return {"since": since.isoformat(), "until": until.isoformat(), **c.as_dict()}


# --- supplementary tasks -------------------------------------------------------------------------


def task_out(t: SupplementaryTask) -> dict[str, Any]:
    return {
        "id": t.pk,
        "projectNo": t.case.project_no,
        "taskName": t.case.item.name,
        "unit": {"id": t.unit_id, "name": t.unit.name},
        "windowId": t.window_id,
        "status": t.status,
        "resolution": t.resolution,
        "startedAt": _t(t.started_at),
        "workdays": t.days,
        "dueAt": _t(t.due_at),
        "closedAt": _t(t.closed_at),
        "onTime": t.on_time,
        "overdue": t.overdue,
        "receipt": t.rating.receipt if t.rating_id else None,
    }


class TaskQuery(Schema):
    status: str = "open"
    unitId: int | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond: the database overflows


@router.get("/coverage/tasks", response={200: dict, **_ERR})
def tasks(request: HttpRequest, q: Query[TaskQuery]) -> dict[str, Any]:
    require_role(request.user, *services.TASK_READERS)
    qs = selectors.task_list(request.user, status=q.status, unit_id=q.unitId).select_related(
        "rating"
    )
    return {"count": qs.count(), "items": [task_out(t) for t in qs[q.offset : q.offset + q.limit]]}


@router.get("/coverage/tasks/{task_id}", response={200: dict, **_ERR})
def task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    t = access_supplementary_task(request.user, task_id)
    return {
        **task_out(t),
        "attempts": [
            {"kind": a.kind, "note": a.note, "at": _t(a.created_at), "by": str(a.acting_user or "")}
            for a in t.attempts.select_related("acting_user")
        ],
    }


class SmsIn(Schema):
    language: str = ""


class PhoneAnswerIn(Schema):
    satisfaction: int
    evalDetail: list[str] = []
    writingEvaluation: str = ""
    note: str = ""


class AttemptIn(Schema):
    kind: str
    note: str = ""


@router.post("/coverage/tasks/{task_id}/sms", response={201: dict, **_ERR})
def task_sms(request: HttpRequest, task_id: int, body: SmsIn) -> Status:
    t = access_supplementary_task(request.user, task_id)
    attempt = services.task_sms_send(
        task_id=t.pk, acting_user=request.user, language=body.language, request=request
    )
    t.refresh_from_db()
    return Status(201, {**task_out(t), "smsStatus": attempt.note})


@router.post("/coverage/tasks/{task_id}/phone-answer", response={201: dict, **_ERR})
def task_phone(request: HttpRequest, task_id: int, body: PhoneAnswerIn) -> Status:
    t = access_supplementary_task(request.user, task_id)
    services.task_phone_answer_record(
        task_id=t.pk,
        level=_level(body.satisfaction),
        option_codes=body.evalDetail,
        text=body.writingEvaluation,
        note=body.note,
        acting_user=request.user,
    )
    return Status(201, task_out(access_supplementary_task(request.user, task_id)))


@router.post("/coverage/tasks/{task_id}/attempt", response={201: dict, **_ERR})
def task_attempt(request: HttpRequest, task_id: int, body: AttemptIn) -> Status:
    t = access_supplementary_task(request.user, task_id)
    services.task_attempt_record(
        task_id=t.pk, kind=body.kind, note=body.note, acting_user=request.user
    )
    return Status(201, task_out(access_supplementary_task(request.user, task_id)))


# --- 综合点评 --------------------------------------------------------------------------------------


def comment_out(c: Comment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "reference": c.reference,
        "source": c.source,
        "about": c.subject_kind,
        "unit": {"id": c.unit_id, "name": c.unit.name},
        "hallId": c.hall_id,
        "taskCode": c.item.task_code if c.item_id else None,
        "text": c.text,
        "receivedAt": _t(c.received_at),
        "citizenSubmitted": c.registered_by_id is None,
        "status": c.status,
        "sentiment": c.sentiment,
        "topic": c.topic,
        "receipt": c.rating.receipt if c.rating_id else None,
    }


class CommentIn(Schema):
    source: str
    about: str
    unitId: int | None = None
    hallId: int | None = None
    taskCode: str = ""
    text: str
    receivedAt: dt.datetime | None = None
    sourceRef: str = ""
    name: str = ""
    mobile: str = ""
    email: str = ""


class ClassifyIn(Schema):
    sentiment: str
    topic: str = ""
    satisfaction: int | None = None
    note: str = ""


class CommentQuery(Schema):
    status: str = ""
    source: str = ""
    unitId: int | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond: the database overflows


@router.get("/coverage/comments", response={200: dict, **_ERR})
def comments(request: HttpRequest, q: Query[CommentQuery]) -> dict[str, Any]:
    require_role(request.user, *services.COMMENT_READERS)
    qs = selectors.comment_list(request.user, status=q.status, source=q.source, unit_id=q.unitId)
    return {
        "count": qs.count(),
        "items": [comment_out(c) for c in qs[q.offset : q.offset + q.limit]],
    }


@router.get("/coverage/comments/counts", response={200: dict, **_ERR})
def comment_counts(request: HttpRequest, q: Query[PeriodQuery]) -> dict[str, Any]:
    require_role(request.user, *services.COMMENT_READERS)
    since, until = _period(q.since, q.until)
    counts = selectors.comment_counts(request.user, since=since, until=until)
    counts["byUnit"] = [
        {
            "unitId": r["unit_id"],
            "unit": r["unit__name"],
            "total": r["total"],
            "negative": r["negative"],
        }
        for r in counts["byUnit"]
    ]
    return {"since": since.isoformat(), "until": until.isoformat(), **counts}


@router.post("/coverage/comments", response={201: dict, **_ERR})
def comment_register(request: HttpRequest, body: CommentIn) -> Status:
    require_role(request.user, *services.COMMENT_CLERKS)
    unit = unit_list_for(request.user).filter(pk=body.unitId).first() if body.unitId else None
    hall = Hall.objects.filter(pk=body.hallId).first() if body.hallId else None
    item = ServiceItem.objects.filter(task_code=body.taskCode).first() if body.taskCode else None
    if body.taskCode and item is None:
        raise InvalidInput(extra={"errors": {"taskCode": [str(_("Unknown service item code."))]}})
    c = services.comment_register(
        source=body.source,
        subject_kind=body.about,
        text=body.text,
        acting_user=request.user,
        unit=unit,
        hall=hall,
        item=item,
        received_at=body.receivedAt,
        source_ref=body.sourceRef,
        submitter_name=body.name,
        submitter_mobile=body.mobile,
        submitter_email=body.email,
    )
    return Status(201, comment_out(c))


@router.get("/coverage/comments/{comment_id}", response={200: dict, **_ERR})
def comment(request: HttpRequest, comment_id: int) -> dict[str, Any]:
    return comment_out(access_comment(request.user, comment_id))


@router.post("/coverage/comments/{comment_id}/classify", response={200: dict, **_ERR})
def comment_classify(request: HttpRequest, comment_id: int, body: ClassifyIn) -> dict[str, Any]:
    c = access_comment(request.user, comment_id)
    c = services.comment_classify(
        comment_id=c.pk,
        sentiment=body.sentiment,
        topic=body.topic,
        level=_level(body.satisfaction),
        note=body.note,
        acting_user=request.user,
    )
    out = comment_out(c)
    if c.rating_id:
        from haochaping.rectification.models import Rectification

        r = Rectification.objects.filter(rating_id=c.rating_id).first()
        out["rectification"] = {"id": r.pk, "status": r.status, "unitId": r.unit_id} if r else None
    return out


# --- supervision ---------------------------------------------------------------------------------


def sample_out(s: Sample) -> dict[str, Any]:
    return {
        "id": s.pk,
        "kind": s.kind,
        "name": s.name,
        "strata": s.strata,
        "perStratum": s.per_stratum,
        "seed": s.seed,
        "since": s.since.isoformat(),
        "until": s.until.isoformat(),
        "unitId": s.unit_id,
        "itemIds": s.item_ids,
        "excludeDays": s.exclude_days,
        "drawnAt": _t(s.drawn_at),
        "population": s.population,
        "excluded": s.excluded,
        "note": s.note,
    }


class SampleIn(Schema):
    kind: str
    name: str
    strata: list[str]
    perStratum: int
    since: dt.date
    until: dt.date
    seed: int | None = None
    unitId: int | None = None
    itemIds: list[int] = []
    excludeDays: int | None = None
    note: str = ""


class InterviewIn(Schema):
    outcome: str
    confirmsRating: str = ""
    statedSatisfaction: int | None = None
    enteredByStaff: str = ""
    pressured: str = ""
    note: str = ""


@router.get("/coverage/samples", response={200: list[dict], **_ERR})
def samples(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *services.SUPERVISION_READERS)
    return [
        {**sample_out(s), "entries": s.n, "done": s.done, "mismatches": s.mismatches}
        for s in selectors.sample_list(request.user)[:200]
    ]


@router.post("/coverage/samples", response={201: dict, **_ERR})
def sample_draw(request: HttpRequest, body: SampleIn) -> Status:
    require_role(request.user, *services.SUPERVISION)
    unit = None
    if body.unitId:
        unit = unit_list_for(request.user).filter(pk=body.unitId).first()
        if unit is None:
            raise NotFound()
    s = services.sample_draw(
        kind=body.kind,
        name=body.name,
        strata=body.strata,
        per_stratum=body.perStratum,
        since=body.since,
        until=body.until,
        seed=body.seed,
        unit=unit,
        item_ids=body.itemIds,
        exclude_days=body.excludeDays,
        note=body.note,
        acting_user=request.user,
    )
    return Status(201, _sample_detail(request, s))


def _sample_detail(request: HttpRequest, s: Sample) -> dict[str, Any]:
    entries = [
        {
            "id": e.pk,
            "position": e.position,
            "stratum": e.stratum,
            "unitId": e.unit_id,
            "receipt": e.rating.receipt if e.rating_id else None,
            "projectNo": e.rating.case.project_no if e.rating_id and e.rating.case_id else None,
            "satisfaction": level_to_hcp(e.rating.level) if e.rating_id else None,
            "pf": e.rating.channel if e.rating_id else None,
            "taskCode": e.item.task_code if e.item_id else None,
            "done": e.done_at is not None,
            "mismatch": e.mismatch,
        }
        for e in selectors.sample_entries(request.user, s)
    ]
    return {**sample_out(s), "entries": entries}


@router.get("/coverage/samples/{sample_id}", response={200: dict, **_ERR})
def sample(request: HttpRequest, sample_id: int) -> dict[str, Any]:
    return _sample_detail(request, access_sample(request.user, sample_id))


@router.get("/coverage/samples/{sample_id}/reproduces", response={200: dict, **_ERR})
def sample_reproduces(request: HttpRequest, sample_id: int) -> dict[str, Any]:
    s = access_sample(request.user, sample_id)
    return {"id": s.pk, "seed": s.seed, "reproduces": services.sample_reproduces(s)}


@router.post(
    "/coverage/samples/{sample_id}/entries/{entry_id}/interview", response={201: dict, **_ERR}
)
def interview(request: HttpRequest, sample_id: int, entry_id: int, body: InterviewIn) -> Status:
    s = access_sample(request.user, sample_id)
    if not s.entries.filter(pk=entry_id).exists():
        raise NotFound()
    i = services.interview_record(
        entry_id=entry_id,
        outcome=body.outcome,
        confirms_rating=body.confirmsRating,
        stated_level=_level(body.statedSatisfaction, "statedSatisfaction"),
        entered_by_staff=body.enteredByStaff,
        pressured=body.pressured,
        note=body.note,
        acting_user=request.user,
    )
    return Status(
        201, {"id": i.pk, "entryId": entry_id, "outcome": i.outcome, "mismatch": i.mismatch}
    )


@router.get("/coverage/interview-mismatches", response={200: list[dict], **_ERR})
def mismatches(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *services.SUPERVISION_READERS)
    return [
        {
            "id": i.pk,
            "receipt": i.entry.rating.receipt,
            "unitId": i.entry.unit_id,
            "confirmsRating": i.confirms_rating,
            "enteredByStaff": i.entered_by_staff,
            "pressured": i.pressured,
            "at": _t(i.created_at),
        }
        for i in selectors.interview_mismatches(request.user)[:500]
    ]


# --- mystery visits ------------------------------------------------------------------------------


def visit_out(v: MysteryVisit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "unitId": v.unit_id,
        "hallId": v.hall_id,
        "taskCode": v.item.task_code if v.item_id else None,
        "visitedAt": _t(v.visited_at),
        "scenario": v.scenario,
        "findings": v.findings,
        "problemsFound": v.problems_found,
        "satisfaction": level_to_hcp(v.level),
        "actions": [
            {
                "id": a.pk,
                "description": a.description,
                "unitId": a.unit_id,
                "dueDate": a.due_date.isoformat(),
                "status": a.status,
                "doneNote": a.done_note,
            }
            for a in v.actions.all()
        ],
    }


class VisitIn(Schema):
    unitId: int
    hallId: int | None = None
    taskCode: str = ""
    visitedAt: dt.datetime
    scenario: str
    findings: str
    satisfaction: int
    problemsFound: bool = False
    entryId: int | None = None


class FollowUpIn(Schema):
    description: str
    unitId: int
    dueDate: dt.date


class DoneIn(Schema):
    note: str


@router.get("/coverage/visits", response={200: list[dict], **_ERR})
def visits(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *services.SUPERVISION_READERS)
    return [
        visit_out(v) for v in selectors.visit_list(request.user).prefetch_related("actions")[:200]
    ]


@router.post("/coverage/visits", response={201: dict, **_ERR})
def visit_record(request: HttpRequest, body: VisitIn) -> Status:
    require_role(request.user, *services.SUPERVISION)
    v = services.visit_record(
        unit=unit_list_for(request.user).filter(pk=body.unitId).first(),
        hall=Hall.objects.filter(pk=body.hallId).first() if body.hallId else None,
        item=ServiceItem.objects.filter(task_code=body.taskCode).first() if body.taskCode else None,
        visited_at=body.visitedAt,
        scenario=body.scenario,
        findings=body.findings,
        level=_level(body.satisfaction),
        problems_found=body.problemsFound,
        entry_id=body.entryId,
        acting_user=request.user,
    )
    return Status(201, visit_out(v))


@router.post("/coverage/visits/{visit_id}/follow-ups", response={201: dict, **_ERR})
def follow_up_add(request: HttpRequest, visit_id: int, body: FollowUpIn) -> Status:
    v = access_visit(request.user, visit_id)
    services.follow_up_add(
        visit_id=v.pk,
        description=body.description,
        unit=unit_list_for(request.user).filter(pk=body.unitId).first(),
        due_date=body.dueDate,
        acting_user=request.user,
    )
    return Status(201, visit_out(v))


@router.post("/coverage/follow-ups/{action_id}/done", response={200: dict, **_ERR})
def follow_up_done(request: HttpRequest, action_id: int, body: DoneIn) -> dict[str, Any]:
    a = services.follow_up_done(action_id=action_id, note=body.note, acting_user=request.user)
    return visit_out(access_visit(request.user, a.visit_id))
