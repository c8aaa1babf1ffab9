"""The periodic scheduler: once per period per job, enforced by the database.

:func:`scheduler_tick` is called about once a second by every worker's maintenance thread (see
:mod:`haochaping.jobs.worker`). For each job that is due it inserts ``PeriodicRun(name, period)``
and enqueues the job *in the same transaction*. Of several schedulers ticking in the same period
exactly one insert succeeds (unique constraint); the others roll back their savepoint and move
on. A crash between insert and enqueue cannot lose or double the run: both commit or neither.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from haochaping.core.clock import now as clock_now
from haochaping.jobs.models import PeriodicRun
from haochaping.jobs.periodic import PeriodicJob, periodic_jobs

logger = logging.getLogger(__name__)


@dataclass
class Scheduler:
    scheduler_id: str
    # name -> last period key this process has seen handled (saves a DB round trip per tick)
    seen: dict[str, str] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)

    def tick(self, now: dt.datetime | None = None) -> list[PeriodicRun]:
        """Enqueue every job due in its current period that nobody enqueued yet."""
        now = now or clock_now()
        created = []
        for job in periodic_jobs():
            try:
                run = self._maybe_enqueue(job, now)
            except Exception:  # one broken job must not stop the others
                logger.exception("periodic job %s could not be scheduled", job.name)
                continue
            if run is not None:
                created.append(run)
        return created

    def _maybe_enqueue(self, job: PeriodicJob, now: dt.datetime) -> PeriodicRun | None:
        key = job.schedule.period_key(now)
        if key is None or self.seen.get(job.name) == key:
            return None
        try:
            task = job.load_task()
        except ImportError:
            if job.name not in self.missing:
                logger.warning(
                    "periodic job %s: task %s cannot be imported; skipped", job.name, job.task_path
                )
                self.missing.add(job.name)
            self.seen[job.name] = key
            return None
        with transaction.atomic():
            try:
                with transaction.atomic():
                    run = PeriodicRun.objects.create(
                        name=job.name,
                        period_key=key,
                        enqueued_at=now,
                        scheduler_id=self.scheduler_id,
                    )
            except IntegrityError:
                # Another scheduler won this period.
                self.seen[job.name] = key
                return None
            kwargs = {"period": key} if job.pass_period else {}
            result = task.enqueue(**kwargs)
            run.task_result_id = str(result.id)
            run.save(update_fields=["task_result_id"])
        self.seen[job.name] = key
        logger.info("periodic job %s enqueued for period %s (job %s)", job.name, key, result.id)
        return run
