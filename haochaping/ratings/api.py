"""POST /ratings, POST /ratings/batch (signed), GET /ratings/{receipt} (the citizen's receipt)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import ValidationError as PydanticValidationError

from haochaping.core.exceptions import ApplicationError, NotFound
from haochaping.integration.auth import hmac_auth
from haochaping.integration.selectors import client_unit_q, request_client
from haochaping.ratings.enums import level_to_hcp
from haochaping.ratings.models import ContentVersion, Indicator, Rating, ReasonOption
from haochaping.ratings.schemas import (
    ContentOut,
    ErrorOut,
    RatingBatchIn,
    RatingBatchOut,
    RatingCreatedOut,
    RatingIn,
    RatingReceiptOut,
)
from haochaping.ratings.selectors import (
    content_version_current_cached,
    content_version_get,
    rating_get_by_receipt,
)
from haochaping.ratings.wire import format_wire_time, record_submit

router = Router(tags=["ratings"])

_ERRORS = {400: ErrorOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _scope(request: HttpRequest):
    client = request_client(request)
    return lambda prefix="": client_unit_q(client, prefix=prefix)


@router.post(
    "/ratings", auth=hmac_auth, response={201: RatingCreatedOut, 200: RatingCreatedOut, **_ERRORS}
)
def rating_create(request: HttpRequest, payload: RatingIn):
    """Submit one rating. 201 with id and receipt; 200 with the first rating when the idempotency
    key was seen before; 409 ``already_rated``; 422 with errors per field (nothing stored)."""
    result = record_submit(
        payload.model_dump(), unit_scope=_scope(request), source_client=request_client(request)
    )
    body = {"id": result.rating.pk, "receipt": result.rating.receipt, "created": result.created}
    return Status(201 if result.created else 200, body)


@router.post(
    "/ratings/batch",
    auth=hmac_auth,
    response={200: RatingBatchOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
)
def rating_batch(request: HttpRequest, payload: RatingBatchIn):
    """Up to 1,000 records; each is stored or refused on its own, with a result per record."""
    scope = _scope(request)
    results: list[dict[str, Any]] = []
    counts = {"created": 0, "replayed": 0, "failed": 0}
    for index, raw in enumerate(payload.records):
        try:
            record = RatingIn.model_validate(raw)
        except PydanticValidationError as exc:
            errors: dict[str, list[str]] = {}
            for err in exc.errors():
                errors.setdefault(".".join(str(p) for p in err["loc"]) or "__all__", []).append(
                    err["msg"]
                )
            results.append(
                {"index": index, "status": 422, "code": "invalid_input", "errors": errors}
            )
            counts["failed"] += 1
            continue
        try:
            result = record_submit(
                record.model_dump(), unit_scope=scope, source_client=request_client(request)
            )
        except ApplicationError as exc:
            results.append(
                {
                    "index": index,
                    "status": exc.status,
                    "code": str(exc.code),
                    "message": str(exc.message),
                    "errors": exc.extra.get("errors"),
                }
            )
            counts["failed"] += 1
            continue
        counts["created" if result.created else "replayed"] += 1
        results.append(
            {
                "index": index,
                "status": 201 if result.created else 200,
                "id": result.rating.pk,
                "receipt": result.rating.receipt,
            }
        )
    return {"results": results, **counts}


@router.get(
    "/catalog/content",
    auth=hmac_auth,
    response={200: ContentOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def content_detail(request: HttpRequest, version: str | None = None):
    """Indicators per channel group and reason options per level of a content version (default: current)."""
    found = content_version_get(code=version) if version else content_version_current_cached()
    if found is None:
        raise NotFound()
    detail = ContentVersion.objects.values("name", "is_current").get(pk=found.pk)
    return {
        "code": found.code,
        "name": detail["name"],
        "current": detail["is_current"],
        "indicators": [
            {"channelGroup": i.channel_group, "code": i.code, "name": i.name, "nameBo": i.name_bo}
            for i in Indicator.objects.filter(version_id=found.pk).order_by(
                "channel_group", "position"
            )
        ],
        "options": [
            {
                "satisfaction": level_to_hcp(o.level),
                "code": o.code,
                "label": o.label,
                "labelBo": o.label_bo,
            }
            for o in ReasonOption.objects.filter(version_id=found.pk).order_by("code")
        ],
    }


@router.get(
    "/ratings/{receipt}", auth=None, response={200: RatingReceiptOut, 404: ErrorOut, 422: ErrorOut}
)
def rating_by_receipt(request: HttpRequest, receipt: str):
    """What the holder of a receipt code may see of their rating (no identity is shown)."""
    rating = rating_get_by_receipt(receipt=receipt)
    if rating is None:
        raise NotFound()
    return receipt_view(rating)


def receipt_view(rating: Rating) -> dict[str, Any]:
    labels = dict(
        ReasonOption.objects.filter(
            version_id=rating.content_version_id, code__in=rating.option_codes
        ).values_list("code", "label")
    )
    return {
        "receipt": rating.receipt,
        "projectNo": rating.case.project_no if rating.case is not None else None,
        "taskName": rating.item.name if rating.item is not None else None,
        "deptName": rating.unit.name,
        "satisfaction": level_to_hcp(rating.level),
        "evalDetail": [{"code": c, "label": labels.get(c, "")} for c in rating.option_codes],
        "writingEvaluation": rating.text,
        "assessTime": format_wire_time(rating.assessed_at),
        "assessNumber": rating.assess_number,
        "stage": rating.stage,
        "pf": int(rating.channel),
        "valid": rating.validity == "valid",
    }
