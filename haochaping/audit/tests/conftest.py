import datetime as dt

import pytest
from django.test import Client

from haochaping.core.clock import now
from haochaping.integration.services import integration_client_create
from haochaping.integration.testclient import SignedClient
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.ratings.tests.helpers import completed_case
from haochaping.ratings.tests.test_rollups import REASON
from haochaping.testing.builders import make_id_number


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def city_client(org_tree):
    client, secret = integration_client_create(name="拉萨市一窗受理系统", scope_code="540100")
    return SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))


@pytest.fixture
def rate(org_tree):
    """rate(level) -> a new rating of a new completed case, through rating_submit."""

    def _rate(level: str = Level.SATISFIED, **fields):
        case = completed_case(org_tree)
        result = rating_submit(
            case=case,
            level=level,
            channel=Channel.EVALUATOR,
            option_codes=REASON[level],
            assessed_at=now() - dt.timedelta(hours=1),
            evaluator_name="卓玛",
            evaluator_cert_no=make_id_number("540102", dt.date(1990, 5, 17), 7),
            evaluator_mobile="13900000000",
            **fields,
        )
        return result.rating

    return _rate
