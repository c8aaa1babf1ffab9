"""Background entry points of the privacy app."""

from __future__ import annotations

from django_tasks import task

from haochaping.privacy.retention import retention_anonymise


@task()
def retention_anonymise_job() -> dict:
    """The periodic retention run with the configured number of years."""
    return retention_anonymise()
