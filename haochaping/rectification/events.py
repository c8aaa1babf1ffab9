"""Timeline rows of a rectification (dotted type names: ``rectification.contacted`` ...)."""

from __future__ import annotations

from typing import Any

from haochaping.core.clock import now as clock_now
from haochaping.rectification.models import Rectification, RectificationEvent

OPENED = "rectification.opened"
CONTACT_REVEALED = "rectification.contact_revealed"
EVIDENCE_ADDED = "rectification.evidence_added"
URGED = "rectification.urged"
COMMENTED = "rectification.commented"
SPOT_CHECKED = "rectification.spot_checked"
PAUSED = "rectification.paused"
RESUMED = "rectification.resumed"
DEADLINES_RECOMPUTED = "rectification.deadlines_recomputed"
DEADLINE_WARNED = "rectification.deadline_warned"
DEADLINE_ESCALATED = "rectification.deadline_escalated"
CALLBACK_RECORDED = "rectification.callback_recorded"
SELF_RATING_INVITED = "rectification.self_rating_invited"

# The event type of each transition (by action).
TRANSITION_EVENTS = {
    "contact": "rectification.contacted",
    "fix_at_once": "rectification.fixed_at_once",
    "start": "rectification.started",
    "mark_complex": "rectification.marked_complex",
    "explain": "rectification.explained",
    "feedback": "rectification.feedback_given",
    "accept_feedback": "rectification.feedback_accepted",
    "return": "rectification.returned",
    "callback": CALLBACK_RECORDED,
    "close": "rectification.closed",
    "reopen": "rectification.reopened",
    "escalate": "rectification.escalated",
    "supervision_close": "rectification.supervision_closed",
    "supervision_return": "rectification.supervision_returned",
    "withdraw": "rectification.withdrawn",
}


def actor_label(user: Any) -> str:
    if user is None:
        return "system"
    return str(user)[:150]


def rectification_event_record(
    *,
    rectification: Rectification,
    type: str,
    acting_user: Any = None,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    payload: dict[str, Any] | None = None,
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        rectification=rectification,
        type=type,
        from_status=from_status,
        to_status=to_status,
        note=note,
        payload=payload or {},
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
        actor_label=actor_label(acting_user),
        created_at=clock_now(),
    )
