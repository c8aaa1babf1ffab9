"""Background entry points, registered in ``haochaping/jobs/periodic.py``."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from haochaping.core.clock import today
from haochaping.jobs.retry import retry_policy


@task()
@retry_policy(max_attempts=3, base_delay=300)
def create_supplementary_rating_tasks(period: str | None = None) -> dict[str, int]:
    """Daily (01:00): tasks of cases rated through a bulk import close; unrated online cases
    become tasks; regions with system defaults get them;
    tasks whose rating window ended expire. ``period`` is the run's day (scheduler key)."""
    from haochaping.coverage.services import (
        supplementary_tasks_create,
        system_defaults_write,
        tasks_close_rated,
        tasks_expire,
    )

    run_day = dt.date.fromisoformat(period) if period else today()
    closed = tasks_close_rated()
    created = supplementary_tasks_create(run_day=run_day)
    defaults = system_defaults_write()
    expired = tasks_expire()
    return {"closed": closed, "created": created, "defaults": defaults, "expired": expired}
