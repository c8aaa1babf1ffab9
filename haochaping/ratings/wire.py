"""The national-style rating record (DOMAIN.md §8) ⇄ the internal rating.

Only this module (and exports) knows the wire names and codes: ``satisfaction`` 1 = 非常不满意 …
5 = 非常满意, ``pf`` channel 1-7, ``evalDetail`` comma-separated codes, ``assessTime``
"yyyy-MM-dd HH:mm:ss" in Beijing time. It resolves ``projectNo``/``taskCode``/``deptCode``
within the caller's scope, calls :func:`haochaping.ratings.services.rating_submit`, and renames
the service's per-field errors back to wire names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from haochaping.cases.models import Case
from haochaping.core.clock import LOCAL_TZ
from haochaping.core.compiled_queries import first_compiled
from haochaping.core.exceptions import InvalidInput
from haochaping.org.models import Unit
from haochaping.ratings.enums import Channel, EvaluatorType, Level, Stage, level_from_hcp
from haochaping.ratings.selectors import content_version_get
from haochaping.ratings.services import SubmitResult, rating_submit

WIRE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# internal field name -> wire field name, for error reports
FIELD_TO_WIRE = {
    "case": "projectNo",
    "unit": "deptCode",
    "level": "satisfaction",
    "channel": "pf",
    "option_codes": "evalDetail",
    "text": "writingEvaluation",
    "other_text": "otherEvaluation",
    "assessed_at": "assessTime",
    "assess_number": "assessNumber",
    "stage": "stage",
    "evaluator_type": "userProp",
    "evaluator_name": "userName",
    "evaluator_cert_no": "certKey",
    "evaluator_mobile": "mobile",
    "content_version": "contentVersion",
    "language": "language",
    "device_id": "deviceId",
    "idempotency_key": "idempotencyKey",
}


def parse_wire_time(value: str) -> dt.datetime:
    """ "yyyy-MM-dd HH:mm:ss" (Beijing time) or ISO 8601 with an offset -> aware datetime."""
    value = (value or "").strip()
    try:
        return dt.datetime.strptime(value, WIRE_TIME_FORMAT).replace(tzinfo=LOCAL_TZ)
    except ValueError:
        pass
    parsed = dt.datetime.fromisoformat(value)  # raises ValueError
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def format_wire_time(value: dt.datetime | None) -> str | None:
    return value.astimezone(LOCAL_TZ).strftime(WIRE_TIME_FORMAT) if value else None


def split_codes(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    parts = value if isinstance(value, list) else str(value).replace("，", ",").split(",")
    return [p.strip() for p in parts if str(p).strip()]


def _err(errors: dict[str, list[str]], field: str, message: Any) -> None:
    errors.setdefault(field, []).append(str(message))


def record_submit(
    record: dict[str, Any],
    *,
    unit_scope: Callable[[str], Q] | None = None,
    source_client: Any = None,
    acting_user: Any = None,
) -> SubmitResult:
    """Validate and store one national-style record (already type-checked by the schema).

    ``unit_scope(prefix)`` returns a Q restricting units (or ``prefix``-related units) to the
    caller's scope; cases and units outside it are reported as unknown.
    """
    errors: dict[str, list[str]] = {}
    scope: Callable[[str], Q] = unit_scope or _no_scope
    project_no = (record.get("projectNo") or "").strip()
    dept_code = (record.get("deptCode") or "").strip()
    task_code = (record.get("taskCode") or "").strip()
    case = unit = None
    if project_no:
        # projectNo is unique: no ORDER BY (with one, Django hashes every selected column of
        # the four joined tables on each call). The SQL is compiled once per scope (the
        # compiling cost more than the statement; see core.compiled_queries).
        in_scope = scope("unit__")
        case = first_compiled(
            ("ratings.wire.case", in_scope),
            lambda value: Case.objects.select_related("unit__region", "item").filter(
                in_scope, project_no=value
            ),
            project_no,
        )
        if case is None:
            _err(errors, "projectNo", _("No case has this projectNo."))
        else:
            if task_code and task_code != case.item.task_code:
                _err(errors, "taskCode", _("The taskCode does not match the case's service item."))
            if (
                dept_code
                and dept_code != case.unit.credit_code
                and dept_code != _item_unit_code(case)
            ):
                _err(errors, "deptCode", _("The deptCode does not match the case's unit."))
    elif dept_code:
        unit = Unit.objects.filter(scope(""), credit_code=dept_code).first()
        if unit is None:
            _err(errors, "deptCode", _("No unit has this deptCode."))
    else:
        _err(
            errors,
            "projectNo",
            _("Give the projectNo of the case (or a deptCode for a rating without a case)."),
        )
    try:
        level = level_from_hcp(int(record.get("satisfaction")))  # type: ignore[arg-type]  # TypeError caught
    except (TypeError, ValueError, OverflowError):  # Overflow: Infinity, 1e400
        level = None
        _err(
            errors,
            "satisfaction",
            _("The satisfaction is 1 (very dissatisfied) to 5 (very satisfied)."),
        )
    channel = str(record.get("pf", ""))
    if channel not in Channel.values:
        _err(errors, "pf", _("Unknown channel code: use 1 to 7."))
    try:
        assessed_at = parse_wire_time(record.get("assessTime") or "")
    except ValueError:
        assessed_at = None
        _err(errors, "assessTime", _("Use the format yyyy-MM-dd HH:mm:ss (Beijing time)."))
    user_prop = str(record.get("userProp") or EvaluatorType.PERSON.value)
    if user_prop not in EvaluatorType.values:
        _err(
            errors,
            "userProp",
            _("The userProp is 1 (natural person), 2 (legal person) or 9 (other)."),
        )
    stage = record.get("stage") or Stage.COMPLETION.value
    if stage not in Stage.values:
        _err(errors, "stage", _("The stage is acceptance or completion."))
    version = None
    if record.get("contentVersion"):
        version = content_version_get(code=str(record["contentVersion"]))
        if version is None:
            _err(errors, "contentVersion", _("Unknown content version."))
    public_flag = record.get("publicFlag", 1)
    if str(public_flag) not in ("0", "1"):
        _err(errors, "publicFlag", _("The publicFlag is 0 or 1."))
    try:
        assess_number = int(record.get("assessNumber") or 1)
    except (TypeError, ValueError, OverflowError):
        assess_number = 0
        _err(
            errors,
            "assessNumber",
            _("The assess number is 1 (first rating) or 2 (follow-up)."),
        )
    if errors:
        raise InvalidInput(extra={"errors": errors})
    try:
        return rating_submit(
            case=case,
            unit=unit,
            level=cast(Level, level),
            channel=channel,
            assessed_at=cast(dt.datetime, assessed_at),
            stage=stage,
            assess_number=assess_number,
            option_codes=split_codes(record.get("evalDetail")),
            text=record.get("writingEvaluation") or "",
            other_text=record.get("otherEvaluation") or "",
            is_paper=bool(record.get("paperForm")),
            is_staff_entered=bool(record.get("staffEntered")),
            is_system_default=bool(record.get("systemDefault")),
            content_version=version,
            evaluator_type=user_prop,
            evaluator_name=record.get("userName") or "",
            evaluator_cert_no=(record.get("certKey") or "").upper(),
            evaluator_mobile=record.get("mobile") or "",
            is_anonymous=bool(record.get("anonymous")),
            language=record.get("language") or "",
            device_id=record.get("deviceId") or "",
            idempotency_key=record.get("idempotencyKey") or "",
            is_public=str(public_flag) == "1",
            source_client=source_client,
            acting_user=acting_user,
        )
    except InvalidInput as exc:
        raise to_wire_errors(exc) from exc


def _no_scope(prefix: str = "") -> Q:
    return Q()


def to_wire_errors(exc: InvalidInput) -> InvalidInput:
    errors = exc.extra.get("errors", {})
    return InvalidInput(extra={"errors": {FIELD_TO_WIRE.get(k, k): v for k, v in errors.items()}})


def _item_unit_code(case: Case) -> str:
    return (
        case.item.unit.credit_code if case.item.unit_id != case.unit_id else case.unit.credit_code
    )
