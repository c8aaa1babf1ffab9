"""Background entry points of appeals: take ids, load, call one service."""

from __future__ import annotations

from django_tasks import task

from haochaping.appeals import services


@task()
def deliver_missing_notices(limit: int = 1000) -> int:
    """Deliver the notices of rectifications opened before the app was installed."""
    return services.notices_deliver_missing(limit=limit)
