"""Rating rules an installation may change, under settings.HAOCHAPING (defaults here)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Natural days after a case's completion during which its first rating is accepted.
    "RATING_WINDOW_DAYS": 30,
    # Maximum length of the written evaluation and of the "other" reason text.
    "RATING_TEXT_MAX": 150,
    # A bad review (levels 1-2) must carry at least one reason code or a written text.
    "BAD_RATING_NEEDS_REASON": True,
    # How far in the future an assessTime may lie (device clocks drift).
    "CLOCK_SKEW_SECONDS": 300,
    # At most this many reason codes per rating.
    "MAX_OPTIONS": 8,
}


def rating_setting(name: str) -> Any:
    return getattr(settings, "HAOCHAPING", {}).get(name, DEFAULTS[name])
