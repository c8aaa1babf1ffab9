import pytest
from django.test import Client

from haochaping.integration.services import integration_client_create
from haochaping.integration.testclient import SignedClient


@pytest.fixture
def city_client(org_tree):
    """A client scoped to Lhasa (540100) and a signed test client for it."""
    client, secret = integration_client_create(name="拉萨市一窗受理系统", scope_code="540100")
    return SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))


@pytest.fixture
def county_client(org_tree):
    """A client scoped to 城关区 (540102) only."""
    client, secret = integration_client_create(name="城关区业务系统", scope_code="540102")
    return SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))


@pytest.fixture
def client():
    """Django's test client asking for English messages (the default language is zh-hans)."""
    return Client(headers={"accept-language": "en"})
