"""Who hears about a deadline at each escalation level.

handler (level 0, the assignee) → unit leader (1) → city bureau liaison (2) → supervision office (3).
Each level is resolved from accounts and the org tree: the *nearest* matching users for the unit
(its own leader before the leader of its parent unit; a liaison or supervisor whose region scope
covers the unit's region before one without a scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.org.models import Unit


class EscalationLevel(models.IntegerChoices):
    HANDLER = 0, _("Handler")
    UNIT_LEADER = 1, _("Unit leader")
    CITY_LIAISON = 2, _("City bureau liaison")
    SUPERVISION = 3, _("Supervision office")


_ROLE_OF_LEVEL = {
    EscalationLevel.HANDLER: Role.HANDLER,
    EscalationLevel.UNIT_LEADER: Role.LEADER,
    EscalationLevel.CITY_LIAISON: Role.LIAISON,
    EscalationLevel.SUPERVISION: Role.SUPERVISOR,
}


def _unit_ancestor_ids(unit: Unit) -> list[int]:
    """Ids from the unit itself up to its root (Unit.path is "/<root id>/.../<own id>/")."""
    return [int(part) for part in reversed(unit.path.strip("/").split("/")) if part.isdigit()]


def escalation_recipients(level: EscalationLevel | int, *, unit: Unit) -> QuerySet[User]:
    """Active users to tell at ``level`` about an item owned by ``unit`` (may be empty)."""
    role = _ROLE_OF_LEVEL[EscalationLevel(level)]
    users = User.objects.filter(is_active=True, role=role)
    if level in (EscalationLevel.HANDLER, EscalationLevel.UNIT_LEADER):
        # The nearest unit up the tree that has such a user.
        for unit_id in _unit_ancestor_ids(unit):
            found = users.filter(scope_unit_id=unit_id)
            if found.exists():
                return found
        # Then a user whose region scope covers the unit's region, the nearest region first.
        for region_path in reversed(_region_prefixes(unit.region.path)):
            found = users.filter(scope_region__path=region_path)
            if found.exists():
                return found
        return users.none()
    # Liaison and supervision: a region scope covering the unit, else the unscoped ones.
    covering = users.filter(scope_region__path__in=_region_prefixes(unit.region.path))
    if covering.exists():
        return covering
    return users.filter(scope_region__isnull=True, scope_unit__isnull=True)


def _region_prefixes(path: str) -> list[str]:
    """ "/540000/540100/540102/" -> ["/540000/", "/540000/540100/", "/540000/540100/540102/"]."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


# --- within one sweep pass: recipients per (level, unit) resolved once ------------------------

_PASS_CACHE: ContextVar[dict[tuple[int, int], list[User]] | None] = ContextVar(
    "escalation_recipients_pass_cache", default=None
)


@contextmanager
def recipients_cached_for_pass() -> Iterator[None]:
    """Within the block, :func:`escalation_recipient_list` resolves each (level, unit) once.

    The deadline sweep wraps a pass in it: a backlog of 5,000 items of 50 units then costs 50
    look-ups per level, not 5,000. A pass lasts seconds, so a staff change made during it is seen
    by the next pass (the minute after), as before."""
    token = _PASS_CACHE.set({})
    try:
        yield
    finally:
        _PASS_CACHE.reset(token)


def escalation_recipient_list(level: EscalationLevel | int, *, unit: Unit) -> list[User]:
    """:func:`escalation_recipients` as a list, with each user's notification preference and
    staff record loaded (what :func:`~haochaping.notifications.services.notify_many` reads);
    cached per (level, unit) inside :func:`recipients_cached_for_pass`."""
    cache = _PASS_CACHE.get()
    key = (int(level), unit.pk)
    if cache is not None and key in cache:
        return cache[key]
    users = list(
        escalation_recipients(level, unit=unit).select_related("notification_preference", "staff")
    )
    if cache is not None:
        cache[key] = users
    return users
