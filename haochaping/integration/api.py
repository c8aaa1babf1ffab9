"""Signed endpoints for business systems and devices: org units, catalog items, cases.

Ratings endpoints live in haochaping.ratings.api. Every endpoint here takes the HMAC auth and
shows or touches only units within the client's scope; outside it things are "not found".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from haochaping.cases.enums import ApplicantType, ApplyChannel
from haochaping.cases.models import Case
from haochaping.cases.upsert import case_upsert
from haochaping.catalog.models import ServiceItem
from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput, NotFound
from haochaping.integration.auth import hmac_auth
from haochaping.integration.models import UsedNonce
from haochaping.integration.schemas import CaseIn, CaseOut, ItemOut, UnitOut
from haochaping.integration.selectors import client_unit_q, request_client, units_for_client
from haochaping.org.models import Staff, Unit, Window
from haochaping.ratings.enums import level_to_hcp
from haochaping.ratings.schemas import ErrorOut
from haochaping.ratings.selectors import rating_list_for_case
from haochaping.ratings.wire import format_wire_time, parse_wire_time
from haochaping.rectification.selectors import rectification_summary_for_case

router = Router(tags=["integration"], auth=hmac_auth)


@router.get("/org/units", response={200: list[UnitOut], 401: ErrorOut, 422: ErrorOut})
@paginate(LimitOffsetPagination)
def unit_list(request: HttpRequest):
    """Units within the client's scope, each with deptCode (credit code) and areaCode."""
    return [
        {
            "deptCode": u.credit_code,
            "areaCode": u.region.code,
            "name": u.name,
            "nameBo": u.name_bo,
            "parentDeptCode": u.parent.credit_code if u.parent is not None else None,
        }
        for u in units_for_client(request_client(request)).select_related("parent")
    ]


@router.get("/catalog/items", response={200: list[ItemOut], 401: ErrorOut, 422: ErrorOut})
@paginate(LimitOffsetPagination)
def item_list(request: HttpRequest):
    """Service items of units within the client's scope."""
    qs = (
        ServiceItem.objects.filter(
            client_unit_q(request_client(request), prefix="unit__"), active=True
        )
        .select_related("unit")
        .order_by("task_code")
    )
    return [
        {
            "taskCode": i.task_code,
            "taskName": i.name,
            "deptCode": i.unit.credit_code,
            "itemType": i.item_type,
            "onlineCapable": i.online_capable,
        }
        for i in qs
    ]


def _case_out(case: Case, *, created: bool = False) -> dict[str, Any]:
    ratings = [
        {
            "receipt": r.receipt,
            "satisfaction": level_to_hcp(r.level),
            "evalDetail": ",".join(r.option_codes),
            "writingEvaluation": r.text,
            "assessTime": format_wire_time(r.assessed_at),
            "assessNumber": r.assess_number,
            "stage": r.stage,
            "pf": int(r.channel),
            "valid": r.validity == "valid",
        }
        for r in rating_list_for_case(case_id=case.pk)
    ]
    return {
        "projectNo": case.project_no,
        "taskCode": case.item.task_code,
        "taskName": case.item.name,
        "deptCode": case.unit.credit_code,
        "deptName": case.unit.name,
        "areaCode": case.unit.region.code,
        "proStatus": case.status,
        "acceptDate": format_wire_time(case.accepted_at),
        "promiseTime": format_wire_time(case.promised_at),
        "finishTime": format_wire_time(case.completed_at),
        "created": created,
        "ratings": ratings,
        "rectification": rectification_summary_for_case(case),
    }


def _time(value: str | None, field: str, errors: dict[str, list[str]], *, required: bool = False):
    if not value:
        if required:
            errors.setdefault(field, []).append(str(_("This field is required.")))
        return None
    try:
        return parse_wire_time(value)
    except ValueError:
        errors.setdefault(field, []).append(
            str(_("Use the format yyyy-MM-dd HH:mm:ss (Beijing time)."))
        )
        return None


_CASE_FIELD_TO_WIRE = {
    "project_no": "projectNo",
    "item": "taskCode",
    "unit": "deptCode",
    "applicant_type": "userProp",
    "applicant_name": "userName",
    "applicant_cert_no": "certKey",
    "applicant_mobile": "mobile",
    "apply_channel": "applyChannel",
    "accepted_at": "acceptDate",
    "promised_at": "promiseTime",
    "completed_at": "finishTime",
    "window": "windowNo",
    "staff": "proManager",
}


@router.post(
    "/cases",
    response={
        200: CaseOut,
        201: CaseOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
)
def case_push(request: HttpRequest, payload: CaseIn):
    """Register a case, or update it (same projectNo): 201 when created, 200 otherwise.

    A projectNo registered by a unit outside the client's scope is answered 404 exactly as
    ``GET /cases/{projectNo}`` answers it (after the same field checks as a new projectNo), so
    the answer tells nothing about the case; it is never overwritten."""
    scope = client_unit_q(request_client(request))
    errors: dict[str, list[str]] = {}
    project_no = payload.projectNo.strip()
    if not project_no or len(project_no) > 64:
        errors["projectNo"] = [str(_("The projectNo has 1 to 64 characters."))]
    item = ServiceItem.objects.select_related("unit").filter(task_code=payload.taskCode).first()
    if item is None:
        errors["taskCode"] = [str(_("Unknown taskCode."))]
    unit = None
    if payload.deptCode:
        unit = Unit.objects.filter(scope, credit_code=payload.deptCode).first()
        if unit is None:
            errors["deptCode"] = [str(_("No unit has this deptCode."))]
    elif item is not None:
        unit = Unit.objects.filter(scope, pk=item.unit_id).first()
        if unit is None:
            errors["deptCode"] = [str(_("No unit has this deptCode."))]
    existing = Case.objects.filter(project_no=project_no).only("unit_id").first()
    hidden = existing is not None and not Unit.objects.filter(scope, pk=existing.unit_id).exists()
    if payload.userProp not in ApplicantType.values:
        errors["userProp"] = [
            str(_("The userProp is 1 (natural person), 2 (legal person) or 9 (other)."))
        ]
    if payload.applyChannel not in ApplyChannel.values:
        errors["applyChannel"] = [
            str(_("The applyChannel is window, online, app or self_service."))
        ]
    accepted_at = _time(payload.acceptDate, "acceptDate", errors, required=True)
    promised_at = _time(payload.promiseTime, "promiseTime", errors)
    completed_at = _time(payload.finishTime, "finishTime", errors)
    window = staff = None
    if unit is not None and payload.windowNo:
        window = Window.objects.filter(unit=unit, number=payload.windowNo).first()
        if window is None:
            errors["windowNo"] = [str(_("The unit has no window with this number."))]
    if unit is not None and payload.proManager:
        staff = Staff.objects.filter(unit=unit, staff_no=payload.proManager).first()
        if staff is None:
            errors["proManager"] = [str(_("The unit has no staff member with this staff number."))]
    if errors:
        raise InvalidInput(extra={"errors": errors})
    if hidden:
        raise NotFound()
    try:
        case, created = case_upsert(
            project_no=project_no,
            item=item,
            unit=unit,
            applicant_type=payload.userProp,
            applicant_name=payload.userName,
            applicant_cert_no=payload.certKey.upper(),
            applicant_mobile=payload.mobile,
            apply_channel=payload.applyChannel,
            accepted_at=accepted_at,
            promised_at=promised_at,
            completed_at=completed_at,
            window=window,
            staff=staff,
        )
    except InvalidInput as exc:
        raw = exc.extra.get("errors", {})
        raise InvalidInput(
            extra={"errors": {_CASE_FIELD_TO_WIRE.get(k, k): v for k, v in raw.items()}}
        ) from exc
    case = Case.objects.select_related("item", "unit__region").get(pk=case.pk)
    return Status(201 if created else 200, _case_out(case, created=created))


@router.get(
    "/cases/{projectNo}", response={200: CaseOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def case_get(request: HttpRequest, projectNo: str):
    """The case and its ratings (no evaluator identity)."""
    if "\x00" in projectNo:
        raise NotFound()
    case = (
        Case.objects.select_related("item", "unit__region")
        .filter(client_unit_q(request_client(request), prefix="unit__"), project_no=projectNo)
        .first()
    )
    if case is None:
        raise NotFound()
    return _case_out(case)


bench_router = Router(tags=["bench"], auth=hmac_auth)


@bench_router.post("/bench/bare", response={201: dict})
def bench_bare(request: HttpRequest):
    """Benchmark baseline (only with HAOCHAPING_BENCH_ENDPOINTS=1): signed request, one row inserted."""
    UsedNonce.objects.create(
        client=request_client(request),
        nonce="bare-" + request.headers["X-HCP-Nonce"],
        seen_at=now(),
    )
    return Status(201, {"ok": True})


def bench_endpoints_enabled() -> bool:
    import os

    return os.environ.get("HAOCHAPING_BENCH_ENDPOINTS") == "1" or bool(
        getattr(settings, "HAOCHAPING", {}).get("BENCH_ENDPOINTS")
    )
