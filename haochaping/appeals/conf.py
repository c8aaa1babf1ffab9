"""Appeal rules an installation may change: ``settings.HAOCHAPING_APPEALS`` (defaults here)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Plan §四(二): the rated staff member applies within 3 working days of receiving the
    # rectification notice ...
    "FILE_WORKDAYS": 3,
    # ... and the reviewer investigates and decides within 7 working days.
    "DECIDE_WORKDAYS": 7,
    # One further review by the city bureau: asked for within this many working days of the
    # decision, decided within this many working days of the request.
    "FURTHER_REQUEST_WORKDAYS": 3,
    "FURTHER_DECIDE_WORKDAYS": 7,
    # Share of the decision window at which the deadline sweep reminds the reviewers.
    "WARN_AT": (0.5, 0.8),
    # Longest reasons / decision text.
    "TEXT_MAX": 2000,
    # The region whose service administration (is_service_administration) is "the city
    # bureau" for further reviews; empty: settings.HAOCHAPING["HOME_REGION"].
    "BUREAU_REGION": "",
}


def appeal_setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "HAOCHAPING_APPEALS", {})}[name]
