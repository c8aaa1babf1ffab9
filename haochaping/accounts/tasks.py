"""Background entry points of the accounts app."""

from __future__ import annotations

from django_tasks import task

from haochaping.accounts.services import users_deactivate_inactive


@task()
def deactivate_inactive_users() -> dict[str, int]:
    return {"deactivated": len(users_deactivate_inactive())}
