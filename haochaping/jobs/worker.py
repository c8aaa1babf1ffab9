"""The worker process: django-tasks-db's worker plus retries, heartbeats, recovery and the scheduler.

``haochaping worker`` runs :class:`JobWorker` in the main thread (claiming jobs with
``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive transaction on SQLite) and a
:class:`Maintenance` thread that beats the heartbeat, recovers jobs of dead workers and ticks the
periodic scheduler (unless ``--no-scheduler``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from traceback import format_exception

from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks.base import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from haochaping.core.clock import now as clock_now
from haochaping.jobs.conf import jobs_setting
from haochaping.jobs.recovery import heartbeat_beat, heartbeat_stop, recover_lost_jobs
from haochaping.jobs.retry import PermanentJobError, policy_for
from haochaping.jobs.scheduler import Scheduler

logger = logging.getLogger(__name__)


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:24]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"


def _exception_path(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


class JobWorker(Worker):
    """django-tasks-db's Worker whose failed attempts are retried with backoff, then parked."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = type(task.get_backend())
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (KeyboardInterrupt, SystemExit) as exc:
            # Stopped by the operator (second Ctrl-C): the job did not fail, run it again later.
            self._requeue(db_task_result, exc, delay_seconds=0)
            raise
        except BaseException as exc:
            self._failed(db_task_result, exc)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _failed(self, db_task_result: DBTaskResult, exc: BaseException) -> None:
        attempts = len(db_task_result.worker_ids)
        try:
            policy = policy_for(db_task_result.task)
        except Exception:
            policy = None
        if (
            policy is not None
            and not isinstance(exc, PermanentJobError)
            and attempts < policy.max_attempts
        ):
            delay = policy.delay(attempts).total_seconds()
            logger.warning(
                "job %s attempt %d of %d failed (%s); retrying in %.0f s",
                db_task_result.id,
                attempts,
                policy.max_attempts,
                _exception_path(exc),
                delay,
            )
            self._requeue(db_task_result, exc, delay_seconds=delay)
            return
        logger.error(
            "job %s parked after %d attempt(s): %s",
            db_task_result.id,
            attempts,
            _exception_path(exc),
        )
        db_task_result.set_failed(exc)
        try:
            task_finished.send(
                sender=type(db_task_result.task.get_backend()),
                task_result=db_task_result.task_result,
            )
        except Exception:
            logger.exception("job %s: task_finished signal failed", db_task_result.id)

    @staticmethod
    def _requeue(db_task_result: DBTaskResult, exc: BaseException, *, delay_seconds: float) -> None:
        DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY,
            run_after=clock_now() + dt.timedelta(seconds=delay_seconds),
            exception_class_path=_exception_path(exc),
            traceback="".join(format_exception(exc)),
        )


class Maintenance(threading.Thread):
    """Heartbeat, recovery of lost jobs and the periodic scheduler, in one daemon thread."""

    def __init__(self, *, worker_id: str, scheduler: bool) -> None:
        super().__init__(name="haochaping-maintenance", daemon=True)
        self.worker_id = worker_id
        self.scheduler = Scheduler(scheduler_id=worker_id) if scheduler else None
        self.stopping = threading.Event()

    def run(self) -> None:
        beat_every = float(jobs_setting("HEARTBEAT_SECONDS"))
        recover_every = float(jobs_setting("RECOVER_SECONDS"))
        tick_every = float(jobs_setting("SCHEDULER_TICK_SECONDS"))
        next_beat = next_recover = 0.0
        try:
            while not self.stopping.is_set():
                close_old_connections()
                now = time.monotonic()
                if now >= next_beat:
                    self._safely(
                        heartbeat_beat,
                        worker_id=self.worker_id,
                        runs_scheduler=self.scheduler is not None,
                    )
                    next_beat = now + beat_every
                if now >= next_recover:
                    self._safely(recover_lost_jobs)
                    next_recover = now + recover_every
                if self.scheduler is not None:
                    self._safely(self.scheduler.tick)
                self.stopping.wait(min(tick_every, beat_every))
        finally:
            connection.close()

    @staticmethod
    def _safely(func, **kwargs) -> None:
        try:
            func(**kwargs)
        except Exception:
            logger.exception("maintenance step %s failed", getattr(func, "__name__", func))

    def stop(self) -> None:
        self.stopping.set()


def run_worker(
    *,
    queue_names: list[str],
    interval: float,
    batch: bool,
    scheduler: bool,
    worker_id: str | None = None,
    max_tasks: int | None = None,
    startup_delay: bool = True,
) -> None:
    worker_id = worker_id or new_worker_id()
    heartbeat_beat(worker_id=worker_id, runs_scheduler=scheduler)
    maintenance = Maintenance(worker_id=worker_id, scheduler=scheduler)
    maintenance.start()
    worker = JobWorker(
        queue_names=queue_names,
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=startup_delay,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        maintenance.stop()
        maintenance.join(timeout=5)
        try:
            heartbeat_stop(worker_id=worker_id)
        except Exception:
            logger.exception("could not remove heartbeat of %s", worker_id)
