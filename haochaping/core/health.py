"""What ``/healthz`` checks: every configured database answers, and the background queue moves."""

from __future__ import annotations

import datetime as dt

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Min, Q
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from haochaping.core.clock import now as clock_now
from haochaping.core.conf import monitoring_setting
from haochaping.jobs.conf import jobs_setting
from haochaping.jobs.models import WorkerHeartbeat


def database_answers(alias: str) -> bool:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        # a broken connection must not be reused by this thread's next request
        try:
            connection.close()
        except Exception:  # noqa: S110 - closing a connection that never opened
            pass
        return False


def queue_health(*, now: dt.datetime | None = None) -> dict[str, str]:
    """``queue``: "ok" or "stalled" (a runnable job waited longer than
    ``HEALTHZ_QUEUE_MAX_AGE_SECONDS``); ``workers``: "ok", or "none" when no heartbeat is within
    the lease and ``HEALTHZ_REQUIRE_WORKER`` is on (else "ok" still: a web node that runs no
    worker is healthy). One aggregate over READY jobs and one indexed heartbeat lookup."""
    now = now or clock_now()
    max_age = dt.timedelta(seconds=float(monitoring_setting("HEALTHZ_QUEUE_MAX_AGE_SECONDS")))
    date_max = get_date_max()
    # Runnable since enqueued_at (no run_after) or since run_after (deferred, retried).
    oldest = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(
        enqueued=Min("enqueued_at", filter=Q(run_after=date_max)),
        due=Min("run_after", filter=Q(run_after__lte=now)),
    )
    since = [t for t in oldest.values() if t is not None]
    stalled = bool(since) and now - min(since) > max_age
    result = {"queue": "stalled" if stalled else "ok", "workers": "ok"}
    if monitoring_setting("HEALTHZ_REQUIRE_WORKER"):
        cutoff = now - dt.timedelta(seconds=float(jobs_setting("LEASE_SECONDS")))
        if not WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).exists():
            result["workers"] = "none"
    return result


def health() -> tuple[bool, dict[str, str]]:
    """(healthy, parts): ``database`` (and ``database:<alias>`` for each other alias), then the
    queue's parts when the default database answers."""
    parts: dict[str, str] = {}
    for alias in connections:
        key = "database" if alias == DEFAULT_DB_ALIAS else f"database:{alias}"
        parts[key] = "ok" if database_answers(alias) else "unreachable"
    if parts["database"] == "ok":
        try:
            parts.update(queue_health())
        except Exception:  # the database went away between the two checks
            parts["queue"] = "unknown"
    return all(value == "ok" for value in parts.values()), parts
