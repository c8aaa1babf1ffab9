"""Reads for the jobs page: queue depth, lag, failures, workers, periodic jobs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from haochaping.core.clock import now as clock_now
from haochaping.jobs.conf import jobs_setting
from haochaping.jobs.models import PeriodicRun, WorkerHeartbeat
from haochaping.jobs.periodic import periodic_jobs


@dataclass(frozen=True)
class QueueStats:
    queue: str
    ready: int  # runnable now
    scheduled: int  # waiting for run_after (retries in backoff, deferred jobs)
    running: int
    lag_seconds: float | None  # age of the oldest runnable job
    failed_24h: int
    parked: int


def queue_stats(*, now: dt.datetime | None = None) -> list[QueueStats]:
    now = now or clock_now()
    date_max = get_date_max()
    runnable = Q(status=TaskResultStatus.READY) & (Q(run_after=date_max) | Q(run_after__lte=now))
    rows = (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name")
        .annotate(
            ready=Count("pk", filter=runnable),
            scheduled=Count("pk", filter=Q(status=TaskResultStatus.READY) & ~runnable),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest_enqueued=Min("enqueued_at", filter=runnable & Q(run_after=date_max)),
            oldest_due=Min("run_after", filter=runnable & ~Q(run_after=date_max)),
        )
    )
    failures = dict(
        DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
        .values("queue_name")
        .annotate(n=Count("pk"))
        .values_list("queue_name", "n")
    )
    recent = dict(
        DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - dt.timedelta(hours=24)
        )
        .values("queue_name")
        .annotate(n=Count("pk"))
        .values_list("queue_name", "n")
    )
    stats = {}
    for row in rows:
        since = [t for t in (row["oldest_enqueued"], row["oldest_due"]) if t is not None]
        lag = (now - min(since)).total_seconds() if since else None
        stats[row["queue_name"]] = QueueStats(
            queue=row["queue_name"],
            ready=row["ready"],
            scheduled=row["scheduled"],
            running=row["running"],
            lag_seconds=max(lag, 0.0) if lag is not None else None,
            failed_24h=recent.get(row["queue_name"], 0),
            parked=failures.get(row["queue_name"], 0),
        )
    for queue, n in failures.items():
        stats.setdefault(queue, QueueStats(queue, 0, 0, 0, None, recent.get(queue, 0), n))
    if not stats:
        stats["default"] = QueueStats("default", 0, 0, 0, None, 0, 0)
    return sorted(stats.values(), key=lambda s: s.queue)


def parked_jobs() -> QuerySet[DBTaskResult]:
    return DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).order_by("-finished_at")


def retrying_jobs() -> QuerySet[DBTaskResult]:
    return (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .exclude(exception_class_path="")
        .order_by("run_after")
    )


@dataclass(frozen=True)
class WorkerRow:
    worker: WorkerHeartbeat
    alive: bool


def worker_list(*, now: dt.datetime | None = None) -> list[WorkerRow]:
    now = now or clock_now()
    cutoff = now - dt.timedelta(seconds=float(jobs_setting("LEASE_SECONDS")))
    return [WorkerRow(w, w.beat_at >= cutoff) for w in WorkerHeartbeat.objects.all()]


@dataclass(frozen=True)
class PeriodicRow:
    name: str
    schedule: str
    task_path: str
    task_missing: bool
    last_period: str | None
    last_enqueued_at: dt.datetime | None
    runs: int


def periodic_status() -> list[PeriodicRow]:
    latest = {
        row["name"]: row
        for row in PeriodicRun.objects.values("name").annotate(
            last=Max("enqueued_at"), runs=Count("pk")
        )
    }
    last_keys = {}
    for name, row in latest.items():
        last_keys[name] = (
            PeriodicRun.objects.filter(name=name, enqueued_at=row["last"])
            .values_list("period_key", flat=True)
            .first()
        )
    rows = []
    for job in periodic_jobs():
        try:
            job.load_task()
            missing = False
        except ImportError:
            missing = True
        info = latest.get(job.name, {})
        rows.append(
            PeriodicRow(
                job.name,
                job.schedule.describe(),
                job.task_path,
                missing,
                last_keys.get(job.name),
                info.get("last"),
                info.get("runs", 0),
            )
        )
    return rows
