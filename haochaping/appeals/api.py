"""/api/v1/appeals/: filing, deciding, further review, figures (Django session auth; CSRF
applies to writes). Errors: 401 not logged in, 403 wrong role, 404 unknown or out of scope,
409 late filing / ``invalid_transition`` / ``conflict``, 422 bad input.

No response carries the evaluator's identity; the rated staff member also gets no case number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from haochaping.accounts.access import access_appeal, require_role
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.appeals import selectors, services
from haochaping.appeals.evidence import evidence_response
from haochaping.appeals.models import Appeal
from haochaping.appeals.schemas import (
    AppealDetailOut,
    AppealOut,
    DecideIn,
    FiguresOut,
    FurtherRequestIn,
    NoticeOut,
)
from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.rectification.api import ErrorOut, staff_session

router = Router(tags=["appeals"], auth=staff_session)


class AuthedRequest(HttpRequest):
    """A request the staff session authenticated (ninja sets ``auth``)."""

    auth: User


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


def _unit(unit: Any) -> dict[str, Any] | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def _review(a: Appeal, viewer: Any) -> dict[str, Any]:
    r = a.rectification
    rating = a.rating
    hide = viewer.role == Role.WINDOW_STAFF and not viewer.is_superuser
    return {
        "level": rating.level,
        "levelLabel": str(rating.get_level_display()),
        "channel": rating.channel,
        "assessedAt": _t(rating.assessed_at),
        "optionCodes": list(rating.option_codes or []),
        "text": rating.text,
        "otherText": rating.other_text,
        "item": r.case.item.name if r.case is not None and r.case.item_id else None,
        "projectNo": None if hide or r.case is None else r.case.project_no,
        "rectificationId": None if hide else r.pk,
    }


def appeal_out(a: Appeal, viewer: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "label": a.label,
        "status": a.status,
        "statusLabel": str(a.get_status_display()),
        "filedFor": a.filed_for,
        "unit": _unit(a.unit),
        "staff": a.staff.name if a.staff else None,
        "filedAt": _t(a.filed_at),
        "noticeDeliveredAt": _t(a.notice_delivered_at),
        "fileDueAt": _t(a.file_due_at),
        "reasons": a.reasons,
        "reviewerUnit": _unit(a.reviewer_unit),
        "routedBy": a.routing_basis,
        "decisionDueAt": _t(a.decision_due_at),
        "decisionOverdue": a.decision_overdue,
        "outcome": a.outcome,
        "decisionReason": a.decision_reason,
        "decidedAt": _t(a.decided_at),
        "furtherRequestDueAt": _t(a.further_request_due_at),
        "furtherRequestedAt": _t(a.further_requested_at),
        "furtherUnit": _unit(a.further_unit),
        "furtherDueAt": _t(a.further_due_at),
        "furtherOutcome": a.further_outcome,
        "furtherReason": a.further_reason,
        "finalOutcome": a.final_outcome,
        "version": a.version,
        "review": _review(a, viewer),
    }


def _detail(a: Appeal, viewer: Any) -> dict[str, Any]:
    body = appeal_out(a, viewer)
    body["evidence"] = [
        {
            "id": f.pk,
            "name": f.original_name,
            "contentType": f.content_type,
            "size": f.size,
            "url": reverse("api-v1:appeal_evidence_download", args=[a.pk, f.pk]),
        }
        for f in selectors.evidence_list(a)
    ]
    body["timeline"] = [
        {
            "type": e.type,
            "fromStatus": e.from_status,
            "toStatus": e.to_status,
            "note": e.note,
            "actor": e.actor_label,
            "at": _t(e.created_at),
        }
        for e in selectors.timeline(a)
    ]
    return body


def _reload(request: AuthedRequest, a: Appeal) -> dict[str, Any]:
    return appeal_out(access_appeal(request.auth, a.pk), request.auth)


class ListFilters(Schema):
    status: str = ""
    limit: int = 50
    offset: int = Field(0, ge=0, le=1_000_000_000)  # negative or huge: a 500, not a page


@router.get("", response={200: list[AppealOut], **_ERR})
def appeal_list(request: AuthedRequest, filters: Query[ListFilters]):
    """Appeals you may read (a reviewer: those routed to your reviewing units)."""
    qs = selectors.appeal_queue(request.auth, status=filters.status)
    limit = max(1, min(filters.limit, 200))
    rows = qs.select_related("rating", "rectification__unit", "further_unit")[
        filters.offset : filters.offset + limit
    ]
    return [appeal_out(a, request.auth) for a in rows]


@router.get("/notices", response={200: list[NoticeOut], **_ERR})
def notice_list(request: AuthedRequest):
    """Your rectification notices (the rated staff member) with the appeal period."""
    require_role(request.auth, Role.WINDOW_STAFF)
    now = clock_now()
    return [
        {
            "rectificationId": n.rectification_id,
            "item": (
                n.rectification.case.item.name
                if n.rectification.case is not None
                else n.rectification.unit.name
            ),
            "deliveredAt": _t(n.delivered_at),
            "fileDueAt": _t(n.file_due_at),
            "open": now <= n.file_due_at,
            "appealId": getattr(getattr(n.rectification, "appeal", None), "pk", None),
        }
        for n in selectors.notices_for_staff(request.auth)[:200]
    ]


@router.get("/figures", response={200: FiguresOut, **_ERR})
def appeal_figures(request: AuthedRequest, by: str = "unit"):
    """Appeals filed, decided on time, outcomes and further reviews, by rated unit
    (``by=unit``) or reviewing unit (``by=reviewer``)."""
    require_role(
        request.auth, Role.REVIEWER, Role.LIAISON, Role.SUPERVISOR, Role.LEADER, Role.ADMIN
    )
    fig = selectors.appeal_figures(request.auth, by=by)
    camel = {
        "decided_on_time": "decidedOnTime",
        "decided_late": "decidedLate",
        "not_adopted": "notAdopted",
        "further_requested": "furtherRequested",
        "further_decided": "furtherDecided",
        "further_changed": "furtherChanged",
    }
    return {
        "by": fig["by"],
        "rows": [
            {
                "unitId": row["unit_id"],
                "unit": row["unit"],
                **{camel.get(k, k): row[k] for k in selectors.FIGURE_KEYS},
            }
            for row in fig["rows"]
        ],
        "totals": {camel.get(k, k): v for k, v in fig["totals"].items()},
        "definitions": {camel.get(k, k): v for k, v in fig["definitions"].items()},
    }


@router.post("", response={201: AppealOut, **_ERR})
def appeal_file(
    request: AuthedRequest,
    rectificationId: Form[int],
    reasons: Form[str],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    """File an appeal (multipart: ``rectificationId``, ``reasons``, evidence ``files``)."""
    a = services.appeal_file(
        rectification_id=rectificationId,
        reasons=reasons,
        files=list(files or []),
        acting_user=request.auth,
    )
    return Status(201, _reload(request, a))


@router.get("/{appeal_id}", response={200: AppealDetailOut, **_ERR})
def appeal_detail(request: AuthedRequest, appeal_id: int):
    return _detail(access_appeal(request.auth, appeal_id), request.auth)


@router.get(
    "/{appeal_id}/evidence/{evidence_id}",
    url_name="appeal_evidence_download",
    response={200: None, **_ERR},
)
def appeal_evidence_download(request: AuthedRequest, appeal_id: int, evidence_id: int):
    return evidence_response(access_appeal(request.auth, appeal_id), evidence_id)


@router.post("/{appeal_id}/decide", response={200: AppealOut, **_ERR})
def appeal_decide(request: AuthedRequest, appeal_id: int, payload: DecideIn):
    """The reviewer's decision: upheld, explanation or not_adopted, with a written reason."""
    a = services.appeal_decide(
        appeal_id=appeal_id,
        outcome=payload.outcome,
        reason=payload.reason,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _reload(request, a)


@router.post("/{appeal_id}/further-review", response={200: AppealOut, **_ERR})
def appeal_request_further(request: AuthedRequest, appeal_id: int, payload: FurtherRequestIn):
    """Ask the city bureau for the one further review (the appellant)."""
    a = services.appeal_request_further(
        appeal_id=appeal_id,
        reason=payload.reason,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _reload(request, a)


@router.post("/{appeal_id}/further-review/decide", response={200: AppealOut, **_ERR})
def appeal_decide_further(request: AuthedRequest, appeal_id: int, payload: DecideIn):
    """The city bureau's further-review decision (final)."""
    a = services.appeal_decide_further(
        appeal_id=appeal_id,
        outcome=payload.outcome,
        reason=payload.reason,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _reload(request, a)
