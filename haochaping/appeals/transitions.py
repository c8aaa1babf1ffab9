"""The allowed state changes of an appeal: a plain table, pure (no database).

``TRANSITIONS[state][action] -> next state``; :func:`assert_transition` raises
InvalidTransition (409). ``ACTION_ROLES`` says which roles may take each action; scope (whose
appeal, which reviewing unit) is checked by ``accounts.access.access_appeal`` and the services.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.accounts.enums import Role
from haochaping.appeals.enums import Action, Outcome, Status
from haochaping.core.exceptions import InvalidTransition, PermissionDenied

S, A = Status, Action

TRANSITIONS: dict[Status, dict[Action, Status]] = {
    S.PENDING: {A.DECIDE: S.DECIDED},
    S.DECIDED: {A.REQUEST_FURTHER: S.FURTHER_REVIEW},
    S.FURTHER_REVIEW: {A.DECIDE_FURTHER: S.FINAL},
    S.FINAL: {},
}

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    A.FILE: frozenset({Role.WINDOW_STAFF, Role.HANDLER}),
    A.DECIDE: frozenset({Role.REVIEWER}),
    A.REQUEST_FURTHER: frozenset({Role.WINDOW_STAFF, Role.HANDLER}),
    A.DECIDE_FURTHER: frozenset({Role.REVIEWER, Role.LIAISON}),
}

# Outcomes after which the appellant may ask for a further review (they did not get the rating
# set aside). A not-adopted rating is not reviewed again on the appellant's request.
FURTHER_REVIEW_AFTER = frozenset({Outcome.UPHELD, Outcome.EXPLANATION})


def next_status(current: Status | str, action: Action | str) -> Status | None:
    return TRANSITIONS.get(Status(current), {}).get(Action(action))


def assert_transition(current: Status | str, action: Action | str) -> Status:
    target = next_status(current, action)
    if target is None:
        raise InvalidTransition(
            _("“%(action)s” is not possible while the appeal is “%(status)s”.")
            % {"action": Action(action).label, "status": Status(current).label},
            extra={"status": str(current), "action": str(action)},
        )
    return target


def role_may(role: Role | str, action: Action | str) -> bool:
    return Role(role) in ACTION_ROLES[Action(action)]


def assert_role(*, role: Role | str, is_superuser: bool, action: Action | str) -> None:
    if is_superuser or role_may(role, action):
        return
    raise PermissionDenied(
        _("Your role may not do this: %(action)s.") % {"action": Action(action).label},
        extra={"action": str(action), "role": str(role)},
    )
