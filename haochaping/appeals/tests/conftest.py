import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.testing.builders import TEST_PASSWORD, make_user
from haochaping.workdays import cache

SH = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 10, 12, 9, 0, tzinfo=SH)  # a Monday


@dataclass
class People:
    staff: Any  # the rated window staff member (扎西顿珠 of the city police bureau)
    other_staff: Any  # a window staff member of the same unit, not rated
    handler: Any  # the police bureau's handler (unit scope)
    dx_handler: Any  # Damxung's handler: out of scope
    reviewer: Any  # the city government's reviewer: supervising department of the police bureau
    bureau_reviewer: Any  # the city bureau (service administration) reviewer
    cg_reviewer: Any  # Chengguan's reviewer: out of scope for city units
    liaison: Any
    supervisor: Any
    leader: Any


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    cache.reset()
    yield
    cache.reset()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(org_tree):
    from haochaping.org.services import staff_create

    t = org_tree
    other = staff_create(
        unit=t.police, name="次仁", staff_no="P002", window=t.window, mobile="13800000002"
    )
    return People(
        staff=make_user("window-zhaxi", Role.WINDOW_STAFF, scope_unit=t.police, staff=t.staff),
        other_staff=make_user("window-ciren", Role.WINDOW_STAFF, scope_unit=t.police, staff=other),
        handler=make_user("h-police", Role.HANDLER, scope_unit=t.police),
        dx_handler=make_user("h-dx", Role.HANDLER, scope_region=t.damxung),
        reviewer=make_user("reviewer-gov", Role.REVIEWER, scope_unit=t.city_gov),
        bureau_reviewer=make_user("reviewer-bureau", Role.REVIEWER, scope_unit=t.bureau),
        cg_reviewer=make_user("reviewer-cg", Role.REVIEWER, scope_unit=t.cg_gov),
        liaison=make_user("liaison", Role.LIAISON, scope_region=t.lhasa),
        supervisor=make_user("supervisor", Role.SUPERVISOR, scope_region=t.lhasa),
        leader=make_user("leader", Role.LEADER, scope_region=t.lhasa),
    )


def login(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def clock():
    """Lhasa time frozen at Monday 2026-10-12 09:00; ``clock.move_to(...)`` moves it."""
    import time_machine

    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller
