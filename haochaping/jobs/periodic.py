"""THE one list of named periodic jobs, and the schedules they use.

Each entry names a job, when it is due, and the dotted path of the django-tasks Task it enqueues.
The scheduler (:mod:`haochaping.jobs.scheduler`) turns "due" into a *period key* (for example
``2026-11-29T08:15`` for a per-minute job, ``2026-11-29`` for a daily one, ``2026-12`` for a
monthly one) and inserts one :class:`~haochaping.jobs.models.PeriodicRun` row per (name, period)
in the same transaction as the enqueued job: the unique constraint makes each job run once per
period however many schedulers are alive. A period missed while no scheduler ran is not
back-filled; the next period runs as usual (every job here catches up by design: sweeps look at
stored state, not at "what happened since the last run").

To add a periodic job: write the Task in your app's ``tasks.py`` and add ONE line to
``PERIODIC_JOBS`` below. An entry whose task cannot be imported is skipped with a warning in the
worker log and shown as "task missing" on the jobs page.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from haochaping.core.clock import LOCAL_TZ
from haochaping.jobs.conf import jobs_setting

logger = logging.getLogger(__name__)


class Schedule:
    def period_key(self, now: dt.datetime) -> str | None:
        """The key of the period ``now`` falls in, or None when nothing is due yet in it."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Every(Schedule):
    """Every N seconds, aligned on the epoch (so all schedulers agree on the period)."""

    seconds: int

    def period_key(self, now: dt.datetime) -> str:
        start = int(now.timestamp()) // self.seconds * self.seconds
        stamp = dt.datetime.fromtimestamp(start, tz=LOCAL_TZ)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S" if self.seconds % 60 else "%Y-%m-%dT%H:%M")

    def describe(self) -> str:
        if self.seconds % 60 == 0:
            return f"every {self.seconds // 60} min"
        return f"every {self.seconds} s"


@dataclass(frozen=True)
class Daily(Schedule):
    """Once a day, at or after ``at`` local (Lhasa) time."""

    at: dt.time

    def period_key(self, now: dt.datetime) -> str | None:
        local = now.astimezone(LOCAL_TZ)
        if local.time() < self.at:
            return None
        return local.date().isoformat()

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M}"


def is_working_day(day: dt.date) -> bool:
    """The home region's working-day calendar (workdays app); Monday to Friday without it."""
    try:
        from haochaping.workdays.arithmetic import is_workday
    except ImportError:
        return day.weekday() < 5
    try:
        return bool(is_workday(day, str(settings.HAOCHAPING["HOME_REGION"])))
    except Exception:  # a calendar problem must not stop the scheduler
        logger.exception("workdays.is_workday failed; falling back to Monday-Friday")
        return day.weekday() < 5


@dataclass(frozen=True)
class MonthlyFirstWorkingDay(Schedule):
    """Once a month, on the first working day of the month, at or after ``at`` local time."""

    at: dt.time

    def period_key(self, now: dt.datetime) -> str | None:
        local = now.astimezone(LOCAL_TZ)
        day = local.date().replace(day=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        if (local.date(), local.time()) < (day, self.at):
            return None
        return f"{local:%Y-%m}"

    def describe(self) -> str:
        return f"monthly, first working day at {self.at:%H:%M}"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    schedule: Schedule
    task_path: str
    pass_period: bool = False  # call the task with period="<period key>"
    description: str = ""

    def load_task(self):
        return import_string(self.task_path)


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob(
        "deadline-sweep",
        Every(60),
        "haochaping.jobs.tasks.deadline_sweep",
        description="Warn assignees as deadlines approach; escalate overdue items.",
    ),
    PeriodicJob(
        "sms-outbox-drain",
        Every(60),
        "haochaping.notifications.tasks.sms_outbox_drain",
        description="Deliver SMS whose delivery job was lost or interrupted.",
    ),
    PeriodicJob(
        "notification-digest",
        Daily(dt.time(8, 30)),
        "haochaping.notifications.tasks.send_daily_digests",
        pass_period=True,
        description="One SMS a day to users who chose the daily digest.",
    ),
    PeriodicJob(
        "prune-job-results",
        Daily(dt.time(3, 0)),
        "haochaping.jobs.tasks.prune_job_results",
        description="Delete finished job rows older than 14 days (parked ones after 90).",
    ),
    PeriodicJob(
        "outbox-drain",
        Every(60),
        "haochaping.dataout.tasks.outbox_drain",
        description="Push queued rating records to the regional platform.",
    ),
    PeriodicJob(
        "dataout-reconcile",
        Daily(dt.time(2, 0)),
        "haochaping.dataout.tasks.dataout_reconcile",
        pass_period=True,
        description="Reconcile yesterday's records with the regional platform; report differences.",
    ),
    PeriodicJob(
        "supplementary-rating-tasks",
        Daily(dt.time(1, 0)),
        "haochaping.coverage.tasks.create_supplementary_rating_tasks",
        pass_period=True,
        description="Turn yesterday's unrated online cases into supplementary-rating tasks.",
    ),
    PeriodicJob(
        "results-case-counts",
        Daily(dt.time(0, 30)),
        "haochaping.results.tasks.refresh_case_counts",
        description="Recompute completed/rated case counts over the rating window.",
    ),
    PeriodicJob(
        "accounts-deactivate-inactive",
        Daily(dt.time(4, 0)),
        "haochaping.accounts.tasks.deactivate_inactive_users",
        description="Deactivate accounts without a login for INACTIVE_DAYS days.",
    ),
    PeriodicJob(
        "monthly-report",
        MonthlyFirstWorkingDay(dt.time(7, 0)),
        "haochaping.reporting.tasks.monthly_report",
        pass_period=True,
        description="Build last month's bulletin on the first working day of the month.",
    ),
    PeriodicJob(
        "audit-seal",
        Every(60),
        "haochaping.audit.tasks.audit_seal",
        description="Chain new audit rows and hash new ratings (docs/security.md).",
    ),
    PeriodicJob(
        "privacy-retention",
        Daily(dt.time(3, 30)),
        "haochaping.privacy.tasks.retention_anonymise_job",
        description="Anonymise citizens' identities older than HAOCHAPING_RETENTION_YEARS.",
    ),
    PeriodicJob(
        "partitions-maintain",
        Daily(dt.time(2, 30)),
        "haochaping.ratings.tasks.partitions_maintain",
        description=(
            "PostgreSQL: monthly partitions 3 months ahead; move DEFAULT-partition rows;"
            " count dangling references to and from ratings."
        ),
    ),
]


def periodic_jobs() -> list[PeriodicJob]:
    """The registered jobs plus the site's extra ones (``HAOCHAPING_JOBS["EXTRA_PERIODIC"]``)."""
    jobs = list(PERIODIC_JOBS)
    extra = jobs_setting("EXTRA_PERIODIC")
    if extra:
        jobs.extend(import_string(extra))
    names = [job.name for job in jobs]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate periodic job names: {sorted(names)}")
    return jobs
