"""Settings of the background-work machinery, with defaults (``settings.HAOCHAPING_JOBS``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # A RUNNING job whose worker has not beaten for this long is recovered.
    "LEASE_SECONDS": 60.0,
    "HEARTBEAT_SECONDS": 10.0,
    # How often the maintenance thread looks for lost jobs and ticks the scheduler.
    "RECOVER_SECONDS": 15.0,
    "SCHEDULER_TICK_SECONDS": 1.0,
    # Retry policy for jobs that do not declare their own (haochaping.jobs.retry.retry_policy).
    "MAX_ATTEMPTS": 5,
    "BACKOFF_BASE_SECONDS": 30.0,
    "BACKOFF_MAX_SECONDS": 3600.0,
    # The deadline sweep stops sending after this many seconds or sends (0: no limit) and leaves
    # the rest to the next minute's pass, so a backlog drains over several passes that do not
    # overlap (a pass is enqueued every minute whether or not the previous one has finished).
    "SWEEP_MAX_SECONDS": 45.0,
    "SWEEP_MAX_SENDS": 0,
    # Dotted path of an extra list of PeriodicJob (site-specific jobs), or "".
    "EXTRA_PERIODIC": "",
}


def jobs_setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "HAOCHAPING_JOBS", {})}[name]
