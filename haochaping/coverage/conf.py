"""Coverage rules an installation may change: ``settings.HAOCHAPING_COVERAGE`` (defaults here)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Working days the window has to collect a supplementary rating (plan §三(二)).
    "SUPPLEMENTARY_WORKDAYS": 5,
    # A case becomes a task when still unrated this many natural days after completion (the
    # daily job runs at 01:00: 1 = the day after completion).
    "UNRATED_AFTER_DAYS": 1,
    # Cases completed longer ago than this are not turned into tasks (the rating window).
    "LOOKBACK_DAYS": 30,
    # Reminders at these shares of the 5-working-day window.
    "WARN_AT": (0.6,),
    # Public comment form: minimum and maximum seconds between showing and sending the form.
    "FORM_MIN_SECONDS": 3,
    "FORM_MAX_SECONDS": 2 * 60 * 60,
    # Public comment form: at most N comments per (seconds) from one client address.
    "FORM_RATE_LIMITS": [(600, 3), (86400, 10)],
    "COMMENT_TEXT_MAX": 2000,
    # Sampling: citizens contacted within this many days are left out of a new sample.
    "RECENT_CONTACT_DAYS": 90,
    "SAMPLE_MAX_PER_STRATUM": 50,
}


def coverage_setting(name: str) -> Any:
    return getattr(settings, "HAOCHAPING_COVERAGE", {}).get(name, DEFAULTS[name])
