"""Background entry point of the audit trail: the sealer, every minute (``jobs/periodic.py``)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from haochaping.audit.context import audit_actor
from haochaping.jobs.retry import retry_policy


@task()
@retry_policy(max_attempts=1)  # the next minute's run is the retry
def audit_seal() -> dict[str, object]:
    from haochaping.audit.sealer import audit_seal as seal

    with audit_actor("system:audit-seal"):
        return asdict(seal())
