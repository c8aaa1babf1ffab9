"""Rectification rules an installation may change: ``settings.HAOCHAPING_RECTIFICATION``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The "1、5、15" rule (plan §四(一)): contact within 1 working day, feedback within 5, or 15
    # when the handler marks the item complex (with a reason).
    "CONTACT_WORKDAYS": 1,
    "FEEDBACK_WORKDAYS": 5,
    "COMPLEX_WORKDAYS": 15,
    # The liaison's callback clock, started when the feedback is given.
    "CLOSE_WORKDAYS": 5,
    # Remaining working days at or below which the workbench shows "due soon".
    "WARN_REMAINING_WORKDAYS": 1,
    # Share of a clock's window at which the deadline sweep reminds the assignee.
    "WARN_AT": (0.5, 0.8),
    # A pending appeal stops the clocks; resuming shifts running deadlines by the working days
    # paused. False: pauses are recorded but deadlines do not move.
    "PAUSE_DURING_APPEAL": True,
    # Days a citizen's online self-rating link stays valid.
    "SELF_RATING_DAYS": 7,
    # Evidence files: images and PDF only.
    "EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    "EVIDENCE_MAX_FILES": 5,
}


def rect_setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "HAOCHAPING_RECTIFICATION", {})}[name]
