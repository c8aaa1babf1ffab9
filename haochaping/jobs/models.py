"""Tables of the background-work machinery (the job queue itself is django_tasks_db's table).

- :class:`PeriodicRun`: one row per (periodic job, period). Its unique constraint is what makes a
  periodic job run once per period however many schedulers are alive.
- :class:`WorkerHeartbeat`: each worker process beats here; a RUNNING job whose worker stopped
  beating is recovered (requeued or parked) by :mod:`haochaping.jobs.recovery`.
- :class:`DeadlineMarker`: "this warning / escalation was sent" for one deadline of one item, so
  the deadline sweep sends each exactly once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    name = models.CharField(_("periodic job"), max_length=64)
    period_key = models.CharField(_("period"), max_length=32)
    enqueued_at = models.DateTimeField(_("enqueued at"))
    scheduler_id = models.CharField(_("scheduler"), max_length=64)
    task_result_id = models.CharField(_("job id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        ordering = ["-enqueued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "period_key"], name="periodic_run_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["name", "-enqueued_at"], name="periodic_run_latest")]

    def __str__(self) -> str:
        return f"{self.name} {self.period_key}"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"), db_index=True)
    runs_scheduler = models.BooleanField(_("runs the scheduler"), default=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return self.worker_id


class DeadlineMarker(models.Model):
    rule = models.CharField(_("rule"), max_length=64)
    item_key = models.CharField(_("item"), max_length=128)
    due_at = models.DateTimeField(_("deadline"))
    marker = models.CharField(_("marker"), max_length=32)  # "warn:50", "warn:80", "escalate:1" ...
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "item_key", "due_at", "marker"], name="deadline_marker_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.item_key} {self.marker}"
