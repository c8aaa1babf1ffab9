from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.testing.builders import TEST_PASSWORD, make_user


@dataclass
class People:
    staff: Any  # window staff, the rated staff member (tree.staff)
    handler: Any
    dx_handler: Any  # Damxung: the police bureau is out of scope
    liaison: Any
    supervisor: Any
    leader: Any
    admin: Any


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(org_tree):
    t = org_tree
    return People(
        staff=make_user("window-zhaxi", Role.WINDOW_STAFF, scope_unit=t.police, staff=t.staff),
        handler=make_user("h-police", Role.HANDLER, scope_unit=t.police),
        dx_handler=make_user("h-dx", Role.HANDLER, scope_region=t.damxung),
        liaison=make_user("liaison", Role.LIAISON, scope_region=t.lhasa),
        supervisor=make_user("supervisor", Role.SUPERVISOR, scope_region=t.lhasa),
        leader=make_user("leader", Role.LEADER, scope_region=t.lhasa),
        admin=make_user("admin", Role.ADMIN, scope_region=t.lhasa),
    )


def login(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client
