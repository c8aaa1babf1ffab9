from __future__ import annotations

from typing import Any

from haochaping.core.clock import now
from haochaping.reporting.models import Report, ReportEvent


def report_event_record(
    *, report: Report, type: str, acting_user: Any = None, payload: dict[str, Any] | None = None
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        type=type,
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
        payload=payload or {},
        created_at=now(),
    )
