"""The transition table, exhaustively (pure: no database)."""

import itertools

import pytest

from haochaping.accounts.enums import Role
from haochaping.core.exceptions import InvalidTransition, PermissionDenied
from haochaping.rectification.enums import Action, Status
from haochaping.rectification.transitions import (
    ACTION_ROLES,
    TRANSITIONS,
    allowed_actions,
    assert_can_reopen,
    assert_role,
    assert_transition,
    next_status,
)

S, A = Status, Action

# The table as the plan reads (DOMAIN.md §5), written out independently of transitions.py.
EXPECTED = {
    (S.NEW, A.CONTACT): S.CONTACTED,
    (S.NEW, A.FIX_AT_ONCE): S.FEEDBACK_GIVEN,
    (S.NEW, A.WITHDRAW): S.WITHDRAWN,
    (S.REOPENED, A.CONTACT): S.CONTACTED,
    (S.REOPENED, A.FIX_AT_ONCE): S.FEEDBACK_GIVEN,
    (S.REOPENED, A.WITHDRAW): S.WITHDRAWN,
    (S.CONTACTED, A.START): S.RECTIFYING,
    (S.CONTACTED, A.FIX_AT_ONCE): S.FEEDBACK_GIVEN,
    (S.CONTACTED, A.EXPLAIN): S.FEEDBACK_GIVEN,
    (S.CONTACTED, A.MARK_COMPLEX): S.CONTACTED,
    (S.CONTACTED, A.WITHDRAW): S.WITHDRAWN,
    (S.RECTIFYING, A.MARK_COMPLEX): S.RECTIFYING,
    (S.RECTIFYING, A.FEEDBACK): S.FEEDBACK_GIVEN,
    (S.RECTIFYING, A.EXPLAIN): S.FEEDBACK_GIVEN,
    (S.RECTIFYING, A.WITHDRAW): S.WITHDRAWN,
    (S.FEEDBACK_GIVEN, A.ACCEPT_FEEDBACK): S.AWAITING_CALLBACK,
    (S.FEEDBACK_GIVEN, A.RETURN): S.RECTIFYING,
    (S.FEEDBACK_GIVEN, A.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_CALLBACK, A.CALLBACK): S.AWAITING_CALLBACK,
    (S.AWAITING_CALLBACK, A.CLOSE): S.CLOSED,
    (S.AWAITING_CALLBACK, A.REOPEN): S.REOPENED,
    (S.AWAITING_CALLBACK, A.ESCALATE): S.ESCALATED,
    (S.AWAITING_CALLBACK, A.WITHDRAW): S.WITHDRAWN,
    (S.ESCALATED, A.SUPERVISION_CLOSE): S.CLOSED,
    (S.ESCALATED, A.SUPERVISION_RETURN): S.RECTIFYING,
    (S.ESCALATED, A.WITHDRAW): S.WITHDRAWN,
}

ALL_PAIRS = list(itertools.product(list(Status), list(Action)))


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_PAIRS])
def test_every_state_and_action(state, action):
    expected = EXPECTED.get((state, action))
    if expected is None:
        # then: refused with a clear message naming the action and the state
        with pytest.raises(InvalidTransition) as exc:
            assert_transition(state, action)
        assert exc.value.status == 409
        assert str(exc.value.code) == "invalid_transition"
        assert exc.value.message == (
            f"“{action.label}” is not possible while the rectification is “{state.label}”."
        )
        assert exc.value.extra == {"status": str(state), "action": str(action)}
        assert next_status(state, action) is None
    else:
        assert assert_transition(state, action) == expected
        assert next_status(state, action) == expected


def test_table_has_no_other_entries():
    actual = {(s, a): t for s, row in TRANSITIONS.items() for a, t in row.items()}
    assert actual == EXPECTED
    assert set(TRANSITIONS) == set(Status)


def test_closed_and_withdrawn_are_final_and_everything_else_can_end():
    assert allowed_actions(S.CLOSED) == []
    assert allowed_actions(S.WITHDRAWN) == []
    for state in Status:
        seen, todo = {state}, [state]
        while todo:
            for target in TRANSITIONS[todo.pop()].values():
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        assert S.CLOSED in seen or state == S.WITHDRAWN, state


def test_every_state_is_reachable_from_new():
    seen, todo = {S.NEW}, [S.NEW]
    while todo:
        for target in TRANSITIONS[todo.pop()].values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(Status)


ROLE_OF = {
    A.CONTACT: Role.HANDLER,
    A.FIX_AT_ONCE: Role.HANDLER,
    A.START: Role.HANDLER,
    A.MARK_COMPLEX: Role.HANDLER,
    A.EXPLAIN: Role.HANDLER,
    A.FEEDBACK: Role.HANDLER,
    A.ACCEPT_FEEDBACK: Role.LIAISON,
    A.RETURN: Role.LIAISON,
    A.CALLBACK: Role.LIAISON,
    A.CLOSE: Role.LIAISON,
    A.REOPEN: Role.LIAISON,
    A.ESCALATE: Role.LIAISON,
    A.SUPERVISION_CLOSE: Role.SUPERVISOR,
    A.SUPERVISION_RETURN: Role.SUPERVISOR,
}
ROLE_PAIRS = list(itertools.product(list(Role), list(Action)))


@pytest.mark.parametrize(("role", "action"), ROLE_PAIRS, ids=[f"{r}-{a}" for r, a in ROLE_PAIRS])
def test_every_role_and_action(role, action):
    allowed = {Role.REVIEWER, Role.ADMIN} if action == A.WITHDRAW else {ROLE_OF[action]}
    assert (role in ACTION_ROLES[action]) == (role in allowed)
    if role in allowed:
        assert_role(role=role, is_superuser=False, action=action)
    else:
        with pytest.raises(PermissionDenied) as exc:
            assert_role(role=role, is_superuser=False, action=action)
        assert exc.value.message == f"Your role may not do this: {action.label}."
    assert_role(role=role, is_superuser=True, action=action)  # superusers may do anything


def test_reopen_only_once():
    assert_can_reopen(0)
    with pytest.raises(InvalidTransition) as exc:
        assert_can_reopen(1)
    assert exc.value.message == (
        "This rectification was already reopened once; escalate it to supervision instead."
    )
