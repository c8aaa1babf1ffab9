"""Monitoring settings with defaults (``settings.HAOCHAPING_MONITORING``; docs/deploy.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Networks that may read /metrics (comma separated CIDRs); loopback by default.
    "METRICS_ALLOW": "127.0.0.0/8,::1/128",
    # A bearer token that may read /metrics from anywhere ("" = none).
    "METRICS_TOKEN": "",
    # /healthz fails ("queue": "stalled") when a runnable job has waited longer than this.
    "HEALTHZ_QUEUE_MAX_AGE_SECONDS": 300.0,
    # /healthz fails ("workers": "none") when no worker heartbeat is within the lease.
    "HEALTHZ_REQUIRE_WORKER": False,
}


def monitoring_setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "HAOCHAPING_MONITORING", {})}[name]
