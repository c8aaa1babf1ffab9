"""Adapter-neutral snapshots of what the platform must learn, taken inside the domain transaction.

Internal names and enums only (``level`` is :class:`haochaping.ratings.enums.Level`, channels are
:class:`~haochaping.ratings.enums.Channel` values): the adapters map them to a platform's wire.
Each function returns ``(record_id, aggregate_key, occurred_at, payload)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haochaping.core import crypto
from haochaping.ratings.enums import entry_of


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def case_key(project_no: str | None, *, fallback: str) -> str:
    """The per-case order key: the projectNo, or the rating's own key for 综合点评."""
    return f"case:{project_no}" if project_no else fallback


def rating_record(rating: Any) -> tuple[str, str, dt.datetime, dict[str, Any]]:
    case = rating.case
    item = case.item if case is not None else None
    unit = rating.unit
    payload: dict[str, Any] = {
        "receipt": rating.receipt,
        "project_no": case.project_no if case is not None else "",
        "task_code": item.task_code if item is not None else "",
        "task_name": item.name if item is not None else "",
        "item_type": item.item_type if item is not None else "",
        "case_type": item.case_type if item is not None else "",
        "case_status": case.status if case is not None else "",
        "accepted_at": _iso(case.accepted_at) if case is not None else None,
        "promised_at": _iso(case.promised_at) if case is not None else None,
        "unit_credit_code": unit.credit_code,
        "unit_name": unit.name,
        "region_code": unit.region.code,
        "staff_name": rating.staff.name if rating.staff_id else "",
        "level": rating.level,
        "channel": rating.channel,
        "stage": rating.stage,
        "assess_number": rating.assess_number,
        "option_codes": list(rating.option_codes or []),
        "text": rating.text,
        "other_text": rating.other_text,
        "assessed_at": _iso(rating.assessed_at),
        "evaluator_type": rating.evaluator_type,
        "evaluator_name": rating.evaluator_name,
        # Citizen identifiers stay encrypted while the message waits in the outbox; the
        # adapter decrypts them only when it builds the wire record.
        "evaluator_cert_no": crypto.encrypt(rating.evaluator_cert_no),
        "evaluator_mobile": crypto.encrypt(rating.evaluator_mobile),
        "is_anonymous": rating.is_anonymous,
        "is_public": rating.is_public,
        "origin": rating.origin.value,  # ratings.enums.origin_of: "comment" without a case
        # How it was entered (the wire's dataSource), also for 综合点评.
        "entry": entry_of(
            is_system_default=rating.is_system_default,
            is_paper=rating.is_paper,
            is_staff_entered=rating.is_staff_entered,
        ).value,
    }
    key = case_key(payload["project_no"], fallback=f"rating:{rating.receipt}")
    return f"R-{rating.receipt}", key, rating.assessed_at, payload


def rating_excluded_record(event: Any) -> tuple[str, str, dt.datetime, dict[str, Any]]:
    rating = event.rating
    project_no = rating.case.project_no if rating.case_id else ""
    payload = {
        "receipt": rating.receipt,
        "project_no": project_no,
        "unit_credit_code": rating.unit.credit_code,
        "region_code": rating.unit.region.code,
        "reason": (event.payload or {}).get("reason", rating.excluded_reason),
        "excluded_at": _iso(event.created_at),
    }
    key = case_key(project_no, fallback=f"rating:{rating.receipt}")
    return f"X-{rating.receipt}", key, event.created_at, payload


def rectification_record(event: Any) -> tuple[str, str, dt.datetime, dict[str, Any]]:
    r = event.rectification
    rating = r.rating
    project_no = r.case.project_no if r.case_id else ""
    extra = event.payload or {}
    payload = {
        "event_id": event.pk,
        "event_type": event.type,
        "rectification_id": r.pk,
        "receipt": rating.receipt,
        "project_no": project_no,
        "unit_credit_code": r.unit.credit_code,
        "region_code": r.unit.region.code,
        "from_status": event.from_status,
        "status": event.to_status or r.status,
        "resolution": r.resolution,
        "is_complex": r.is_complex,
        "fix_satisfaction": r.fix_satisfaction,
        "callback_method": extra.get("method", ""),
        "callback_outcome": extra.get("outcome", ""),
        "callback_satisfaction": extra.get("satisfaction", ""),
        "note": event.note,
        "occurred_at": _iso(event.created_at),
        "opened_at": _iso(r.opened_at),
        "contacted_at": _iso(r.contacted_at),
        "feedback_at": _iso(r.feedback_at),
        "closed_at": _iso(r.closed_at),
        "contact_overdue": r.contact_overdue,
        "feedback_overdue": r.feedback_overdue,
        "close_overdue": r.close_overdue,
    }
    key = case_key(project_no, fallback=f"rating:{rating.receipt}")
    return f"C-{event.pk}", key, event.created_at, payload
