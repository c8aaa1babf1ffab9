"""Timeline rows of an appeal (dotted type names: ``appeal.filed`` ...)."""

from __future__ import annotations

from typing import Any

from haochaping.appeals.models import Appeal, AppealEvent
from haochaping.core.clock import now as clock_now

FILED = "appeal.filed"
DECIDED = "appeal.decided"
FURTHER_REQUESTED = "appeal.further_requested"
FURTHER_DECIDED = "appeal.further_decided"
DEADLINE_WARNED = "appeal.deadline_warned"
DEADLINE_ESCALATED = "appeal.deadline_escalated"
RATING_EXCLUDED = "appeal.rating_excluded"
CITIZEN_TOLD = "appeal.citizen_told"


def actor_label(user: Any) -> str:
    if user is None:
        return "system"
    return str(user)[:150]


def appeal_event_record(
    *,
    appeal: Appeal,
    type: str,
    acting_user: Any = None,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    payload: dict[str, Any] | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        type=type,
        from_status=from_status,
        to_status=to_status,
        note=note,
        payload=payload or {},
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
        actor_label=actor_label(acting_user),
        created_at=clock_now(),
    )
