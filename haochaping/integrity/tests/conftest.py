"""Fixtures: people of the bureau and supervision, and a helper rating cases at a given moment."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from types import SimpleNamespace

import pytest
import time_machine

from haochaping.accounts.enums import Role
from haochaping.core.clock import LOCAL_TZ
from haochaping.integrity.checks import cache_clear
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.testing.builders import make_case, make_user

# A Tuesday in office hours, Lhasa time.
T0 = dt.datetime(2026, 10, 13, 10, 0, tzinfo=LOCAL_TZ)
_mobiles = itertools.count(10_000_000)


def new_mobile() -> str:
    return f"159{next(_mobiles):08d}"


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(org_tree):
    return SimpleNamespace(
        liaison=make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa),
        admin=make_user("admin", Role.ADMIN, scope_region=org_tree.lhasa),
        supervisor=make_user("supervisor", Role.SUPERVISOR, scope_region=org_tree.lhasa),
        county_liaison=make_user("dx-liaison", Role.LIAISON, scope_region=org_tree.damxung),
        window_staff=make_user(
            "window", Role.WINDOW_STAFF, scope_unit=org_tree.police, staff=org_tree.staff
        ),
        operator=make_user("op12345", Role.LIAISON, scope_region=org_tree.lhasa),
    )


def case_for(tree, at: dt.datetime, **overrides):
    fields = {
        "window": tree.window,
        "staff": tree.staff,
        "accepted_at": at - dt.timedelta(minutes=40),
        "completed_at": at - dt.timedelta(minutes=10),
        "applicant_mobile": new_mobile(),
    }
    fields.update(overrides)
    return make_case(tree, **fields)


def rate(
    tree,
    clock,
    at: dt.datetime,
    *,
    level=Level.SATISFIED,
    channel=Channel.MOBILE,
    text="",
    mobile=None,
    device_id=None,
    case=None,
    **kwargs,
):
    """Rate a fresh case at ``at`` through rating_submit (the clock moved there)."""
    clock.move_to(at - dt.timedelta(minutes=40))
    case = case or case_for(tree, at)
    clock.move_to(at)
    codes = {
        "very_satisfied": ["517"],
        "satisfied": ["413"],
        "basic": ["314"],
        "dissatisfied": ["214"],
        "very_dissatisfied": ["115"],
    }[str(level)]
    return rating_submit(
        case=case,
        level=level,
        channel=channel,
        assessed_at=at,
        option_codes=codes,
        text=text,
        evaluator_mobile=new_mobile() if mobile is None else mobile,
        device_id=f"app-{uuid.uuid4().hex[:8]}" if device_id is None else device_id,
        **kwargs,
    ).rating
