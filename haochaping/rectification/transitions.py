"""The allowed state changes of a rectification: a plain table, pure (no database).

``TRANSITIONS[state][action] -> next state``; :func:`assert_transition` raises
:class:`~haochaping.core.exceptions.InvalidTransition` (HTTP 409, code ``invalid_transition``)
for anything not in the table. ``ACTION_ROLES`` says who may take each action (superusers may
take all). docs/rectification.md draws the same table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.accounts.enums import Role
from haochaping.core.exceptions import InvalidTransition, PermissionDenied
from haochaping.rectification.enums import Action, Status

S, A = Status, Action

_START = {A.CONTACT: S.CONTACTED, A.FIX_AT_ONCE: S.FEEDBACK_GIVEN, A.WITHDRAW: S.WITHDRAWN}

TRANSITIONS: dict[Status, dict[Action, Status]] = {
    S.NEW: dict(_START),
    S.REOPENED: dict(_START),
    S.CONTACTED: {
        A.START: S.RECTIFYING,
        A.FIX_AT_ONCE: S.FEEDBACK_GIVEN,
        A.EXPLAIN: S.FEEDBACK_GIVEN,
        A.MARK_COMPLEX: S.CONTACTED,
        A.WITHDRAW: S.WITHDRAWN,
    },
    S.RECTIFYING: {
        A.MARK_COMPLEX: S.RECTIFYING,
        A.FEEDBACK: S.FEEDBACK_GIVEN,
        A.EXPLAIN: S.FEEDBACK_GIVEN,
        A.WITHDRAW: S.WITHDRAWN,
    },
    S.FEEDBACK_GIVEN: {
        A.ACCEPT_FEEDBACK: S.AWAITING_CALLBACK,
        A.RETURN: S.RECTIFYING,
        A.WITHDRAW: S.WITHDRAWN,
    },
    S.AWAITING_CALLBACK: {
        A.CALLBACK: S.AWAITING_CALLBACK,  # an attempt that did not reach the citizen
        A.CLOSE: S.CLOSED,
        A.REOPEN: S.REOPENED,
        A.ESCALATE: S.ESCALATED,
        A.WITHDRAW: S.WITHDRAWN,
    },
    S.ESCALATED: {
        A.SUPERVISION_CLOSE: S.CLOSED,
        A.SUPERVISION_RETURN: S.RECTIFYING,
        A.WITHDRAW: S.WITHDRAWN,
    },
    S.CLOSED: {},
    S.WITHDRAWN: {},
}

HANDLER_ACTIONS = frozenset(
    {A.CONTACT, A.FIX_AT_ONCE, A.START, A.MARK_COMPLEX, A.EXPLAIN, A.FEEDBACK}
)
LIAISON_ACTIONS = frozenset(
    {A.ACCEPT_FEEDBACK, A.RETURN, A.CALLBACK, A.CLOSE, A.REOPEN, A.ESCALATE}
)
SUPERVISION_ACTIONS = frozenset({A.SUPERVISION_CLOSE, A.SUPERVISION_RETURN})

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    **{a: frozenset({Role.HANDLER}) for a in HANDLER_ACTIONS},
    **{a: frozenset({Role.LIAISON}) for a in LIAISON_ACTIONS},
    **{a: frozenset({Role.SUPERVISOR}) for a in SUPERVISION_ACTIONS},
    A.WITHDRAW: frozenset({Role.REVIEWER, Role.ADMIN}),
}

# Operations that do not change the state, and who may do them.
OPERATION_ROLES: dict[str, frozenset[Role]] = {
    "reveal_contact": frozenset({Role.HANDLER, Role.LIAISON}),
    "evidence": frozenset({Role.HANDLER, Role.LIAISON, Role.SUPERVISOR}),
    "urge": frozenset({Role.SUPERVISOR, Role.LIAISON}),
    "comment": frozenset({Role.SUPERVISOR, Role.LIAISON}),
    "spot_check": frozenset({Role.SUPERVISOR}),
    "invite_self_rating": frozenset({Role.LIAISON}),
    "pause": frozenset({Role.REVIEWER, Role.ADMIN}),
    "resume": frozenset({Role.REVIEWER, Role.ADMIN}),
}

# Roles that may read rectifications in their scope (the workbench and GET endpoints).
READ_ROLES = frozenset(
    {Role.HANDLER, Role.LIAISON, Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN, Role.LEADER}
)

MAX_REOPENS = 1


def next_status(current: Status | str, action: Action | str) -> Status | None:
    """The state ``action`` leads to from ``current``, or None when it is not allowed."""
    return TRANSITIONS.get(Status(current), {}).get(Action(action))


def assert_transition(current: Status | str, action: Action | str) -> Status:
    target = next_status(current, action)
    if target is None:
        raise InvalidTransition(
            _("“%(action)s” is not possible while the rectification is “%(status)s”.")
            % {"action": Action(action).label, "status": Status(current).label},
            extra={"status": str(current), "action": str(action)},
        )
    return target


def allowed_actions(current: Status | str) -> list[Action]:
    return list(TRANSITIONS.get(Status(current), {}))


def role_may(role: Role | str, action: Action | str) -> bool:
    return Role(role) in ACTION_ROLES[Action(action)]


def assert_role(*, role: Role | str, is_superuser: bool, action: Action | str) -> None:
    if is_superuser or role_may(role, action):
        return
    raise PermissionDenied(
        _("Your role may not do this: %(action)s.") % {"action": Action(action).label},
        extra={"action": str(action), "role": str(role)},
    )


def assert_operation_role(*, role: Role | str, is_superuser: bool, operation: str) -> None:
    if is_superuser or Role(role) in OPERATION_ROLES[operation]:
        return
    raise PermissionDenied(extra={"operation": operation, "role": str(role)})


def assert_can_reopen(reopen_count: int) -> None:
    if reopen_count >= MAX_REOPENS:
        raise InvalidTransition(
            _("This rectification was already reopened once; escalate it to supervision instead."),
            extra={"status": str(S.AWAITING_CALLBACK), "action": str(A.REOPEN)},
        )
