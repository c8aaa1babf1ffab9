"""Background entry points: the outbox drain (every minute, and kicked on commit) and the daily
reconciliation. Both are registered in ``haochaping/jobs/periodic.py``."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task
from django_tasks.base import TaskResultStatus

from haochaping.core.clock import now as clock_now
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


def outbox_drain_queued_or_enqueue(*, coalesce_seconds: float = 0.0) -> float:
    """Make sure a drain job that has not started yet is queued (called after a commit with
    outbox rows, so that job sees them). Returns the clock time (seconds) until which later
    commits are covered too: a queued job cannot start before its ``run_after``.

    ``coalesce_seconds`` 0: any waiting job will do, else one due at once (covers nothing
    later). Otherwise a waiting job due at least half a window from now will do, else one is
    queued due a whole window from now: commits are delivered at most that much later, and a
    busy server queues and looks up about one job per window instead of one per transaction.
    """
    from django_tasks_db.models import DBTaskResult, get_date_max

    at = clock_now()
    try:
        waiting = DBTaskResult.objects.filter(
            task_path=DRAIN_TASK_PATH, status=TaskResultStatus.READY
        )
        if coalesce_seconds <= 0:
            if not waiting.exists():
                outbox_drain.enqueue()
            return 0.0
        due = (
            waiting.filter(
                run_after__gte=at + dt.timedelta(seconds=coalesce_seconds / 2),
                run_after__lt=get_date_max(),
            )
            .order_by("-run_after")
            .values_list("run_after", flat=True)
            .first()
        )
        if due is None:
            due = at + dt.timedelta(seconds=coalesce_seconds)
            outbox_drain.using(run_after=due).enqueue()
        return due.timestamp()
    except Exception:  # the periodic drain is the safety net; a kick must never fail a request
        logger.exception("dataout: could not queue a drain job")
        return 0.0
