"""/api/v1/rectifications/: the workbench operations over HTTP.

Staff authenticate with their Django session (reads and writes; CSRF applies to writes).
Business systems may READ with the HMAC-signed auth, scoped to their units, never seeing the
citizen's contact. Errors: 401 not logged in, 403 wrong role, 404 unknown or out of scope,
409 ``invalid_transition`` or ``conflict`` (someone else acted first), 422 bad input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import SessionAuth

from haochaping.accounts.access import access_rectification
from haochaping.core.clock import LOCAL_TZ
from haochaping.core.exceptions import ApplicationError, ErrorCode, NotFound
from haochaping.integration.auth import hmac_auth
from haochaping.integration.models import IntegrationClient
from haochaping.integration.selectors import client_unit_q
from haochaping.rectification import selectors, services
from haochaping.rectification.contact import contact_of
from haochaping.rectification.models import Rectification
from haochaping.rectification.schemas import (
    CallbackIn,
    CallbackRateOut,
    EventRefOut,
    MarkComplexIn,
    NoteIn,
    OverviewRowOut,
    ReasonIn,
    RectificationDetailOut,
    RectificationOut,
    RectificationPageOut,
    ResumeIn,
    RevealOut,
    StartIn,
    TextIn,
)
from haochaping.rectification.transitions import TRANSITIONS, role_may


class NotLoggedIn(ApplicationError):
    code = ErrorCode.AUTH_MISSING
    status = 401
    default_message = _("Log in first.")


class StaffSession(SessionAuth):
    """The Django session of a staff user; 401 in the API's error format otherwise."""

    def __init__(self, *, required: bool) -> None:
        super().__init__(csrf=True)
        self.required = required

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        if self.required:
            raise NotLoggedIn()
        return None


staff_session = StaffSession(required=True)
READ_AUTH = [StaffSession(required=False), hmac_auth]

router = Router(tags=["rectification"])


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


# --- presentation -------------------------------------------------------------------------------


def _t(value: dt.datetime | None) -> str | None:
    return value.astimezone(LOCAL_TZ).isoformat() if value else None


def _clock(r: Rectification, name: str, done: dt.datetime | None) -> dict[str, Any]:
    return {
        "startedAt": _t(getattr(r, f"{name}_started_at")),
        "days": getattr(r, f"{name}_days"),
        "dueAt": _t(getattr(r, f"{name}_due_at")),
        "doneAt": _t(done),
        "overdue": getattr(r, f"{name}_overdue"),
    }


def allowed_actions_for(r: Rectification, user: Any) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [str(a) for a in TRANSITIONS[r.status] if user.is_superuser or role_may(user.role, a)]


def rectification_out(r: Rectification, viewer: Any) -> dict[str, Any]:
    info = selectors.clock_info(r)
    contact = contact_of(r).masked
    return {
        "id": r.pk,
        "label": r.label,
        "projectNo": r.case.project_no if r.case_id else None,
        "status": r.status,
        "statusLabel": str(r.get_status_display()),
        "resolution": r.resolution,
        "unit": {"id": r.unit_id, "name": r.unit.name, "deptCode": r.unit.credit_code},
        "handler": str(r.handler) if r.handler_id else None,
        "isComplex": r.is_complex,
        "complexReason": r.complex_reason,
        "realName": r.is_real_name,
        "openedAt": _t(r.opened_at),
        "contact": _clock(r, "contact", r.contacted_at),
        "feedback": _clock(r, "feedback", r.feedback_at),
        "close": _clock(r, "close", r.closed_at),
        "running": {
            "clock": info.name,
            "dueAt": _t(info.due_at),
            "remainingWorkdays": info.remaining_workdays,
            "state": str(info.state),
        },
        "paused": r.is_paused,
        "pauseReason": r.pause_reason,
        "reopenCount": r.reopen_count,
        "satisfaction": r.fix_satisfaction,
        "version": r.version,
        "allowedActions": allowed_actions_for(r, viewer),
        "citizen": {"name": contact.name, "mobile": contact.mobile, "masked": True},
    }


def _detail_out(r: Rectification, viewer: Any) -> dict[str, Any]:
    body = rectification_out(r, viewer)
    body["timeline"] = [
        {
            "type": e.type,
            "fromStatus": e.from_status,
            "toStatus": e.to_status,
            "note": e.note,
            "actor": e.actor_label,
            "at": _t(e.created_at),
            "payload": e.payload,
            "evidence": [
                {
                    "id": f.pk,
                    "name": f.original_name,
                    "contentType": f.content_type,
                    "size": f.size,
                    "url": reverse("api-v1:rectification_evidence_download", args=[r.pk, f.pk]),
                }
                for f in e.evidence.all()
            ],
        }
        for e in selectors.timeline(r)
    ]
    body["callbacks"] = [
        {
            "method": c.method,
            "outcome": c.outcome,
            "satisfaction": c.satisfaction,
            "note": c.note,
            "round": c.round,
            "at": _t(c.created_at),
        }
        for c in r.callbacks.all()
    ]
    return body


def _is_client(request: HttpRequest) -> bool:
    return isinstance(request.auth, IntegrationClient)


def _read_one(request: HttpRequest, rectification_id: int) -> Rectification:
    if _is_client(request):
        r = (
            Rectification.objects.filter(
                client_unit_q(request.auth, prefix="unit__"), pk=rectification_id
            )
            .select_related("unit__region", "case__item", "rating", "handler")
            .first()
        )
        if r is None:
            raise NotFound()
        return r
    return access_rectification(request.auth, rectification_id)


def _after(request: HttpRequest, r: Rectification) -> dict[str, Any]:
    return rectification_out(access_rectification(request.auth, r.pk), request.auth)


# --- reads --------------------------------------------------------------------------------------


class ListFilters(Schema):
    status: str = ""
    clockState: str = ""
    unitId: int | None = None
    q: str = ""
    all: bool = False
    limit: int = 50
    offset: int = 0


@router.get("", auth=READ_AUTH, response={200: RectificationPageOut, **_ERR})
def rectification_list(request: HttpRequest, filters: Query[ListFilters]):
    """Rectifications in your scope; open ones unless ``all`` or a ``status`` is given."""
    f = selectors.QueueFilters(
        status=filters.status,
        clock_state=filters.clockState,
        unit_id=filters.unitId,
        q=filters.q,
        open_only=not filters.all,
    )
    if _is_client(request):
        qs = Rectification.objects.filter(
            client_unit_q(request.auth, prefix="unit__")
        ).select_related("unit__region", "case__item", "handler", "rating")
        if f.open_only and not f.status:
            qs = qs.filter(status__in=selectors.Status.open_values())
        if f.status:
            qs = qs.filter(status=f.status)
        qs = qs.order_by("opened_at", "pk")
    else:
        qs = selectors.rectification_queue(request.auth, f)
    limit = max(1, min(filters.limit, 200))
    rows = list(qs)
    pairs = selectors.with_clocks(rows, clock_state=filters.clockState)
    page = pairs[filters.offset : filters.offset + limit]
    viewer = None if _is_client(request) else request.auth
    return {"count": len(pairs), "items": [rectification_out(r, viewer) for r, _c in page]}


@router.get("/overview", auth=staff_session, response={200: list[OverviewRowOut], **_ERR})
def rectification_overview(request: HttpRequest):
    """The bureau's overview: open items per unit with overdue counts."""
    _require_reader(request.auth)
    return [
        {
            "unitId": row["unit_id"],
            "unit": row["unit__name"],
            "region": row["unit__region__name"],
            **{
                k: row[k]
                for k in ("open", "overdue", "new", "working", "callback", "escalated", "paused")
            },
        }
        for row in selectors.overview_by_unit(request.auth)
    ]


@router.get("/callback-queue", auth=staff_session, response={200: list[RectificationOut], **_ERR})
def rectification_callback_queue(request: HttpRequest):
    """Feedback to check and items awaiting callback (the liaison's queue)."""
    from haochaping.accounts.access import require_role
    from haochaping.accounts.enums import Role

    require_role(request.auth, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN)
    return [rectification_out(r, request.auth) for r in selectors.callback_queue(request.auth)]


@router.get("/callback-rate", auth=staff_session, response={200: CallbackRateOut, **_ERR})
def rectification_callback_rate(request: HttpRequest):
    """实名差评回访率: real-name bad reviews called back / those due for a callback."""
    _require_reader(request.auth)
    rate = selectors.callback_rate(request.auth)
    return {
        "due": rate["due"],
        "calledBack": rate["called_back"],
        "rate": rate["rate"],
        "satisfied": rate["satisfied"],
        "satisfiedRate": rate["satisfied_rate"],
        "definition": rate["definition"],
    }


def _require_reader(user: Any) -> None:
    from haochaping.core.exceptions import PermissionDenied
    from haochaping.rectification.transitions import READ_ROLES

    if not user.is_superuser and user.role not in READ_ROLES:
        raise PermissionDenied()


@router.get("/{rectification_id}", auth=READ_AUTH, response={200: RectificationDetailOut, **_ERR})
def rectification_detail(request: HttpRequest, rectification_id: int):
    """One rectification with its clocks, timeline, evidence and callbacks (contact masked)."""
    r = _read_one(request, rectification_id)
    return _detail_out(r, None if _is_client(request) else request.auth)


@router.get(
    "/{rectification_id}/evidence/{evidence_id}",
    auth=staff_session,
    url_name="rectification_evidence_download",
    response={200: None, **_ERR},
)
def rectification_evidence_download(request: HttpRequest, rectification_id: int, evidence_id: int):
    """Download one evidence file (always as an attachment)."""
    from haochaping.rectification.views import evidence_response

    r = access_rectification(request.auth, rectification_id)
    return evidence_response(r, evidence_id)


# --- transitions --------------------------------------------------------------------------------


def _post(path: str, summary: str):
    return router.post(
        f"/{{rectification_id}}/{path}",
        auth=staff_session,
        response={200: RectificationOut, **_ERR},
        summary=summary,
    )


@_post("contact", "Record contact with the citizen (handler)")
def api_contact(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_contact(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("fix-at-once", "Fixed at once, 立行立改 (handler)")
def api_fix_at_once(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_fix_at_once(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("start", "Start rectification, optionally complex (handler)")
def api_start(request: HttpRequest, rectification_id: int, payload: StartIn):
    r = services.rectification_start(
        rectification_id=rectification_id,
        note=payload.note,
        is_complex=payload.complex,
        complex_reason=payload.complexReason,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("mark-complex", "Mark complex: 15 working days (handler)")
def api_mark_complex(request: HttpRequest, rectification_id: int, payload: MarkComplexIn):
    r = services.rectification_mark_complex(
        rectification_id=rectification_id,
        reason=payload.reason,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("explain", "Explanation given: no legal basis (handler)")
def api_explain(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_explain(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("feedback", "Rectification feedback given (handler)")
def api_feedback(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_feedback(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("accept-feedback", "Accept the feedback for callback (liaison)")
def api_accept_feedback(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_accept_feedback(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("return", "Return for rework (liaison)")
def api_return(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_return(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("callback", "Record a callback: closes, reopens or escalates (liaison)")
def api_callback(request: HttpRequest, rectification_id: int, payload: CallbackIn):
    r = services.rectification_callback(
        rectification_id=rectification_id,
        method=payload.method,
        outcome=payload.outcome,
        satisfaction=payload.satisfaction,
        after_unsatisfied=payload.afterUnsatisfied,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("supervision-close", "Conclude an escalated item (supervision)")
def api_supervision_close(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_supervision_close(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("supervision-return", "Send an escalated item back to the unit (supervision)")
def api_supervision_return(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_supervision_return(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("withdraw", "Withdraw: the rating was not adopted (reviewer)")
def api_withdraw(request: HttpRequest, rectification_id: int, payload: NoteIn):
    r = services.rectification_withdraw(
        rectification_id=rectification_id,
        note=payload.note,
        acting_user=request.auth,
        expected_version=payload.version,
    )
    return _after(request, r)


@_post("pause", "Pause the clocks while an appeal is pending (reviewer)")
def api_pause(request: HttpRequest, rectification_id: int, payload: ReasonIn):
    r = services.rectification_pause(
        rectification_id=rectification_id, reason=payload.reason, acting_user=request.auth
    )
    return _after(request, r)


@_post("resume", "Resume the clocks; running deadlines move by the days paused (reviewer)")
def api_resume(request: HttpRequest, rectification_id: int, payload: ResumeIn):
    r = services.rectification_resume(
        rectification_id=rectification_id, note=payload.note, acting_user=request.auth
    )
    return _after(request, r)


# --- operations without a state change --------------------------------------------------------


def _event_out(event: Any) -> dict[str, Any]:
    return {"id": event.pk, "type": event.type, "at": _t(event.created_at)}


@router.post("/{rectification_id}/urge", auth=staff_session, response={201: EventRefOut, **_ERR})
def api_urge(request: HttpRequest, rectification_id: int, payload: TextIn):
    """督办: urge the unit (supervision office, liaison)."""
    event = services.rectification_urge(
        rectification_id=rectification_id, note=payload.note, acting_user=request.auth
    )
    return Status(201, _event_out(event))


@router.post("/{rectification_id}/comment", auth=staff_session, response={201: EventRefOut, **_ERR})
def api_comment(request: HttpRequest, rectification_id: int, payload: TextIn):
    """A comment on the timeline (supervision office, liaison)."""
    event = services.rectification_comment(
        rectification_id=rectification_id, note=payload.note, acting_user=request.auth
    )
    return Status(201, _event_out(event))


@router.post(
    "/{rectification_id}/spot-check", auth=staff_session, response={201: EventRefOut, **_ERR}
)
def api_spot_check(request: HttpRequest, rectification_id: int, payload: TextIn):
    """抽查: record that the file was read and what was found (supervision office)."""
    event = services.rectification_spot_check(
        rectification_id=rectification_id, note=payload.note, acting_user=request.auth
    )
    return Status(201, _event_out(event))


@router.post(
    "/{rectification_id}/reveal-contact", auth=staff_session, response={200: RevealOut, **_ERR}
)
def api_reveal_contact(request: HttpRequest, rectification_id: int, payload: ReasonIn):
    """The citizen's full name and mobile; the reveal is logged with your reason."""
    contact = services.rectification_contact_reveal(
        rectification_id=rectification_id, reason=payload.reason, acting_user=request.auth
    )
    return {"name": contact.name, "mobile": contact.mobile}


@router.post(
    "/{rectification_id}/invite-self-rating", auth=staff_session, response={201: dict, **_ERR}
)
def api_invite_self_rating(request: HttpRequest, rectification_id: int):
    """Send the citizen an SMS link to rate the fix online (liaison; awaiting callback only)."""
    from haochaping.channels.services import public_base_url

    sms = services.rectification_invite_self_rating(
        rectification_id=rectification_id,
        base_url=public_base_url(request),
        acting_user=request.auth,
    )
    return Status(201, {"sms": sms.pk, "to": sms.phone_masked, "status": sms.status})


@router.post("/{rectification_id}/evidence", auth=staff_session, response={201: list[dict], **_ERR})
def api_evidence(
    request: HttpRequest,
    rectification_id: int,
    files: File[list[UploadedFile]],
    note: Form[str] = "",
):
    """Upload evidence (JPEG, PNG, PDF; multipart field ``files``, optional ``note``)."""
    stored = services.rectification_evidence_add(
        rectification_id=rectification_id, files=files, note=note, acting_user=request.auth
    )
    return Status(
        201,
        [
            {
                "id": e.pk,
                "name": e.original_name,
                "contentType": e.content_type,
                "size": e.size,
                "url": reverse(
                    "api-v1:rectification_evidence_download", args=[rectification_id, e.pk]
                ),
            }
            for e in stored
        ],
    )
