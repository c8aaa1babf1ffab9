import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.testing.builders import TEST_PASSWORD, make_user
from haochaping.workdays import cache


@dataclass
class People:
    handler: Any  # the city police bureau's handler (unit scope)
    cg_handler: Any  # Chengguan district's handler (region scope)
    liaison: Any
    supervisor: Any
    reviewer: Any
    window: Any
    leader: Any
    dx_handler: Any  # Damxung county's handler: out of scope for police items


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    cache.reset()
    yield
    cache.reset()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Test accounts only: the production hasher takes most of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_calendar() -> None:
    """The shipped calendar (a transactional test elsewhere may have flushed the tables)."""
    from haochaping.workdays.models import CalendarEntry
    from haochaping.workdays.services import calendar_load_shipped

    if not CalendarEntry.objects.filter(date__year=2026, region_code="540100").exists():
        calendar_load_shipped()
        cache.reset()


@pytest.fixture
def people(org_tree):
    ensure_calendar()
    t = org_tree
    return People(
        handler=make_user("h-police", Role.HANDLER, scope_unit=t.police),
        cg_handler=make_user("h-cg", Role.HANDLER, scope_region=t.chengguan),
        liaison=make_user("liaison", Role.LIAISON, scope_region=t.lhasa),
        supervisor=make_user("supervisor", Role.SUPERVISOR, scope_region=t.lhasa),
        reviewer=make_user("reviewer", Role.REVIEWER, scope_region=t.lhasa),
        window=make_user("window", Role.WINDOW_STAFF, scope_unit=t.police),
        leader=make_user("leader", Role.LEADER, scope_region=t.lhasa),
        dx_handler=make_user("h-dx", Role.HANDLER, scope_region=t.damxung),
    )


def login(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def as_user():
    return login


T0 = dt.datetime(2026, 10, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday


@pytest.fixture
def clock():
    """Lhasa time frozen at Monday 2026-10-12 09:00; ``clock.move_to(...)`` moves it."""
    import time_machine

    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def liaison_admin(db):
    return make_user("calendar-admin", Role.ADMIN)
