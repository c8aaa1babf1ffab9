"""Channel settings: defaults here, overridden by ``settings.HAOCHAPING_CHANNELS`` or environment.

Environment variables (for an installation without its own settings module):
``HAOCHAPING_RATING_LINK_DAYS``, ``HAOCHAPING_PUBLIC_URL``, ``HAOCHAPING_FRAME_ANCESTORS``
(space- or comma-separated origins allowed to frame the rating page).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Days a rating link (QR on a receipt, SMS, portal) stays valid.
    "LINK_DAYS": 7,
    # Absolute base of links printed in QR codes and SMS, e.g. "https://hcp.lasa.gov.cn".
    # Empty: taken from the request (or http://127.0.0.1:8000 outside a request).
    "PUBLIC_URL": "",
    # Origins (scheme://host[:port]) that may frame the rating page and receive the citizen back
    # after rating (return URL). Our own origin always may.
    "FRAME_ANCESTORS": [],
    # A prompt not rated within this time is no longer shown on the tablet.
    "PROMPT_TTL_SECONDS": 15 * 60,
    # Longest wait of one tablet long poll (gunicorn gthread workers hold a thread, not a process).
    "POLL_SECONDS": 25,
    # How often a waiting long poll looks for a new prompt.
    "POLL_INTERVAL_SECONDS": 0.3,
    # A pairing code must be used within this time.
    "PAIRING_HOURS": 24,
    # Seconds the thank-you screen stays before the tablet returns to idle.
    "THANKS_SECONDS": 6,
    # Seconds without a touch after which a prompt is abandoned (a "rate later" QR is offered).
    "ABANDON_SECONDS": 120,
    # Send the rating link by SMS when an online case is completed.
    "SMS_ON_ONLINE_COMPLETION": True,
    # Language of automatic SMS invitations (the page itself follows the browser).
    "SMS_LANGUAGE": "zh-hans",
}

_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "LINK_DAYS": ("HAOCHAPING_RATING_LINK_DAYS", int),
    "PUBLIC_URL": ("HAOCHAPING_PUBLIC_URL", str),
    "FRAME_ANCESTORS": (
        "HAOCHAPING_FRAME_ANCESTORS",
        lambda v: [o for o in v.replace(",", " ").split() if o],
    ),
}


def channel_setting(name: str) -> Any:
    configured = getattr(settings, "HAOCHAPING_CHANNELS", {})
    if name in configured:
        return configured[name]
    if name in _ENV:
        var, parse = _ENV[name]
        raw = os.environ.get(var)
        if raw is not None and raw.strip():
            return parse(raw.strip())
    return DEFAULTS[name]
