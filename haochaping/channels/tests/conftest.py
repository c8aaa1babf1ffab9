import datetime as dt

import pytest
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.cases.enums import ApplyChannel
from haochaping.channels.services import device_create, device_pair
from haochaping.core.clock import now
from haochaping.integration.services import integration_client_create
from haochaping.integration.testclient import SignedClient
from haochaping.testing.builders import make_case, make_user


@pytest.fixture
def city_client(org_tree):
    """The window business system of Lhasa (scope 540100), signing its requests."""
    client, secret = integration_client_create(name="拉萨市一窗受理系统", scope_code="540100")
    return SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))


@pytest.fixture
def county_client(org_tree):
    client, secret = integration_client_create(name="城关区业务系统", scope_code="540102")
    return SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def liaison(org_tree):
    return make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)


@pytest.fixture
def completed_case(org_tree):
    done = now() - dt.timedelta(hours=2)
    return make_case(org_tree, accepted_at=done - dt.timedelta(days=1), completed_at=done)


@pytest.fixture
def online_case(org_tree):
    done = now() - dt.timedelta(hours=2)
    return make_case(
        org_tree,
        item_key="cg_hukou",
        apply_channel=ApplyChannel.ONLINE,
        accepted_at=done - dt.timedelta(days=1),
        completed_at=done,
    )


@pytest.fixture
def paired(org_tree, liaison):
    """A tablet paired with window A01: (device, token)."""
    _device, code = device_create(window=org_tree.window, name="A01 评价器", acting_user=liaison)
    return device_pair(code=code)
