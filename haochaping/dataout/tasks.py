"""Background entry points: the outbox drain (every minute, and kicked on commit) and the daily
reconciliation. Both are registered in ``haochaping/jobs/periodic.py``."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task
from django_tasks.base import TaskResultStatus

from haochaping.core.clock import today
from haochaping.dataout.conf import dataout_setting
from haochaping.jobs.retry import retry_policy

logger = logging.getLogger(__name__)

DRAIN_TASK_PATH = "haochaping.dataout.tasks.outbox_drain"


@task()
@retry_policy(max_attempts=1)  # the next minute's drain is the retry; messages keep their own
def outbox_drain() -> dict[str, int]:
    from haochaping.dataout.delivery import outbox_drain as drain

    return drain(seconds=float(dataout_setting("DRAIN_SECONDS"))).as_dict()


@task()
@retry_policy(max_attempts=3, base_delay=300)
def dataout_reconcile(period: str | None = None) -> dict[str, object]:
    """Reconcile the day before ``period`` (the run's day, from the scheduler)."""
    from haochaping.dataout.reconcile import reconcile_day

    run_day = dt.date.fromisoformat(period) if period else today()
    day = run_day - dt.timedelta(days=1)
    runs = reconcile_day(day=day, acting_user=None)
    return {"day": day.isoformat(), "results": {r.topic: r.status for r in runs}}


def outbox_drain_queued_or_enqueue() -> None:
    """Enqueue a drain job unless one is already waiting (many commits, one job)."""
    from django_tasks_db.models import DBTaskResult

    try:
        if DBTaskResult.objects.filter(
            task_path=DRAIN_TASK_PATH, status=TaskResultStatus.READY
        ).exists():
            return
        outbox_drain.enqueue()
    except Exception:  # the periodic drain is the safety net; a kick must never fail a request
        logger.exception("dataout: could not queue a drain job")
