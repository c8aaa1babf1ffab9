"""Integrity thresholds an installation may change, under settings.HAOCHAPING_INTEGRITY.

Every number a check compares against lives here (defaults below) so that a bureau can tune a
check that fires too often without a code change; ``haochaping integrity evaluate`` measures
the effect of a change on labelled synthetic traffic before it goes live.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The checks that run on every incoming rating, in order (dotted paths; pluggable).
    "CHECKS": [
        "haochaping.integrity.checks.TokenCheck",
        "haochaping.integrity.checks.DeviceVelocityCheck",
        "haochaping.integrity.checks.TopBurstCheck",
        "haochaping.integrity.checks.StaffSelfCheck",
        "haochaping.integrity.checks.ShortDurationCheck",
        "haochaping.integrity.checks.RepeatedTextCheck",
        "haochaping.integrity.checks.AfterHoursBulkCheck",
        "haochaping.integrity.checks.ContradictionCheck",
        "haochaping.integrity.checks.UnitShareCheck",
    ],
    # One phone number or device rating this many cases within VELOCITY_MINUTES.
    "VELOCITY_COUNT": 4,
    "VELOCITY_MINUTES": 60,
    # Top ratings (非常满意) given where staff have the terminal in hand (hall tablet, kiosk, the
    # QR code on the receipt they print) for one window or staff member within BURST_MINUTES: at least
    # BURST_MIN_COUNT and more than BURST_FACTOR times their own hourly baseline (the
    # previous BASELINE_DAYS days, spread over OFFICE_HOURS_PER_DAY).
    "BURST_MINUTES": 60,
    "BURST_MIN_COUNT": 10,
    "BURST_FACTOR": 4.0,
    "BASELINE_DAYS": 14,
    "OFFICE_HOURS_PER_DAY": 8,
    # Fewer seconds than this between the prompt / link / case event and the rating.
    "MIN_SECONDS_TO_COMPLETE": 6,
    # The same written text (at least REPEAT_MIN_LENGTH characters after normalising) on this
    # many ratings within REPEAT_DAYS.
    "REPEAT_COUNT": 3,
    "REPEAT_DAYS": 7,
    "REPEAT_MIN_LENGTH": 10,
    # On-site channels (tablet, kiosk) outside office hours: at least AFTER_HOURS_COUNT
    # ratings of one unit within AFTER_HOURS_MINUTES. Office hours are local time, weekdays
    # listed in OFFICE_DAYS (0 = Monday).
    "OFFICE_START": "09:00",
    "OFFICE_END": "18:30",
    "OFFICE_DAYS": [0, 1, 2, 3, 4],
    "AFTER_HOURS_COUNT": 4,
    "AFTER_HOURS_MINUTES": 120,
    # A unit whose share of staff-entered or paper ratings over SHARE_DAYS days exceeds
    # SHARE_MAX (with at least SHARE_MIN_RATINGS ratings): its staff-entered and paper
    # ratings are flagged.
    "SHARE_MAX": 0.3,
    "SHARE_DAYS": 30,
    "SHARE_MIN_RATINGS": 20,
    # Seconds a process remembers a baseline (per window / staff / unit and day).
    "BASELINE_CACHE_SECONDS": 600,
}


def integrity_enabled() -> bool:
    """HAOCHAPING_INTEGRITY_ENABLED=0 switches the checks off (to measure their cost)."""
    return os.environ.get("HAOCHAPING_INTEGRITY_ENABLED", "1") != "0"


def integrity_setting(name: str) -> Any:
    return getattr(settings, "HAOCHAPING_INTEGRITY", {}).get(name, DEFAULTS[name])
