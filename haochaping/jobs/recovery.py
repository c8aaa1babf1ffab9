"""Heartbeats and recovery of jobs whose worker died.

django-tasks-db marks a job RUNNING when a worker claims it and nothing ever looks at it again:
after ``kill -9`` (or a power cut) the row would stay RUNNING forever. Every worker therefore
beats in :class:`~haochaping.jobs.models.WorkerHeartbeat`; :func:`recover_lost_jobs` (run by every
worker's maintenance thread) finds RUNNING jobs whose last worker has not beaten for
``LEASE_SECONDS`` and puts them back in the queue, or parks them when they used up their attempts.
Each recovery re-checks the row under a lock, so two recovering workers cannot both requeue it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.core.clock import now as clock_now
from haochaping.jobs.conf import jobs_setting
from haochaping.jobs.models import WorkerHeartbeat
from haochaping.jobs.retry import WorkerLost, default_policy, policy_for

logger = logging.getLogger(__name__)


def heartbeat_beat(*, worker_id: str, runs_scheduler: bool = True) -> None:
    now = clock_now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
                "runs_scheduler": runs_scheduler,
            },
        )


def heartbeat_stop(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover_lost_jobs(*, now: dt.datetime | None = None) -> list[str]:
    """Requeue (or park) RUNNING jobs whose worker stopped beating. Returns the job ids touched."""
    now = now or clock_now()
    cutoff = now - dt.timedelta(seconds=float(jobs_setting("LEASE_SECONDS")))
    live = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    suspects = (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        .only("id", "worker_ids", "started_at")
        .order_by("started_at")
    )
    touched = []
    for row in suspects:
        if row.worker_ids and row.worker_ids[-1] in live:
            continue
        try:
            if _recover_one(row.pk, started_at=row.started_at, live=live, now=now):
                touched.append(str(row.pk))
        except Exception:
            logger.exception("could not recover job %s", row.pk)
    return touched


@transaction.atomic
def _recover_one(pk, *, started_at: dt.datetime, live: set[str], now: dt.datetime) -> bool:
    row = (
        DBTaskResult.objects.select_for_update()
        .filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at)
        .first()
    )
    if row is None or (row.worker_ids and row.worker_ids[-1] in live):
        return False  # finished or re-claimed meanwhile
    worker = row.worker_ids[-1] if row.worker_ids else "?"
    attempts = len(row.worker_ids)
    try:
        policy = policy_for(row.task)
    except Exception:
        policy = default_policy()
    message = (
        f"Worker {worker} stopped while running this job (attempt {attempts} of "
        f"{policy.max_attempts}); it was noticed at {now.isoformat()}.\n"
    )
    row.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
    row.traceback = message
    if attempts >= policy.max_attempts:
        row.status = TaskResultStatus.FAILED
        row.finished_at = now
        row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
        logger.error("job %s parked: %s", row.pk, message.strip())
    else:
        row.status = TaskResultStatus.READY
        row.run_after = now
        row.save(update_fields=["status", "run_after", "exception_class_path", "traceback"])
        logger.warning("job %s requeued: %s", row.pk, message.strip())
    return True
