"""Writes of the jobs app that people trigger (the worker's own writes live in worker/recovery)."""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import InvalidTransition, NotFound

logger = logging.getLogger(__name__)


@transaction.atomic
def job_requeue(*, job_id: str, acting_user: User) -> DBTaskResult:
    """Give a parked (failed) job a fresh set of attempts, to run now."""
    require_role(acting_user, Role.ADMIN)
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound() from None
    row = DBTaskResult.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFound()
    if row.status != TaskResultStatus.FAILED:
        raise InvalidTransition()
    row.status = TaskResultStatus.READY
    row.run_after = clock_now()
    row.finished_at = None
    row.worker_ids = []
    row.save(update_fields=["status", "run_after", "finished_at", "worker_ids"])
    logger.info("job %s (%s) requeued by %s", row.pk, row.task_path, acting_user.username)
    return row
