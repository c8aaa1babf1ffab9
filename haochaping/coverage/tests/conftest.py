import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.cases.enums import ApplyChannel
from haochaping.testing.builders import TEST_PASSWORD, make_case, make_user
from haochaping.workdays import cache

SH = dt.timezone(dt.timedelta(hours=8))
_mobiles = itertools.count(13700000001)


def at(text: str) -> dt.datetime:
    """'2026-09-30 10:00' in Lhasa (Asia/Shanghai) time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def new_mobile() -> str:
    return str(next(_mobiles))


def online_case(
    tree: Any, *, completed: dt.datetime, channel: str = ApplyChannel.ONLINE, **overrides: Any
):
    fields = {
        "apply_channel": channel,
        "accepted_at": completed - dt.timedelta(days=1),
        "completed_at": completed,
        "applicant_mobile": new_mobile(),
    }
    fields.update(overrides)
    return make_case(tree, **fields)


@dataclass
class People:
    window: Any  # window staff of the city police bureau
    handler: Any
    liaison: Any
    supervisor: Any
    leader: Any
    reviewer: Any
    dx_window: Any  # Damxung window staff: police tasks are out of scope
    admin: Any


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.reset()
    yield
    cache.reset()


def ensure_calendar() -> None:
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
        window=make_user("w-police", Role.WINDOW_STAFF, scope_unit=t.police),
        handler=make_user("h-police", Role.HANDLER, scope_unit=t.police),
        liaison=make_user("liaison", Role.LIAISON, scope_region=t.lhasa),
        supervisor=make_user("supervisor", Role.SUPERVISOR, scope_region=t.lhasa),
        leader=make_user("leader", Role.LEADER, scope_region=t.lhasa),
        reviewer=make_user("reviewer", Role.REVIEWER, scope_region=t.lhasa),
        dx_window=make_user("w-dx", Role.WINDOW_STAFF, scope_region=t.damxung),
        admin=make_user("admin", Role.ADMIN, scope_region=t.lhasa),
    )


def login(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def clock():
    """Lhasa time frozen at Thursday 2026-11-05 09:00; ``clock.move_to(...)`` moves it."""
    import time_machine

    with time_machine.travel(at("2026-11-05 09:00"), tick=False) as traveller:
        yield traveller
