"""Schemathesis over the signed endpoints, from our own OpenAPI schema, against a live server.

Checks: no 5xx, only documented status codes, documented content types, and bodies that match
the response schemas. Requests are signed exactly like a vendor's (the signature covers the
bytes requests actually sends). Examples per operation are few, so the suite stays fast.
"""

import os
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from haochaping.api import api
from haochaping.integration.services import integration_client_create
from haochaping.integration.signing import signed_headers
from haochaping.ratings.tests.helpers import completed_case
from haochaping.testing.builders import build_org_tree

OPERATIONS = ["/api/v1/org/units", "/api/v1/catalog/items", "/api/v1/cases", "/api/v1/ratings"]
# By default a few fuzzed examples (positive and negative) per operation, about 7 s in all.
# HAOCHAPING_SCHEMATHESIS_FULL=1 adds the coverage phase (boundary and negative values of every
# field) and more examples: about 40 s.
FULL = os.environ.get("HAOCHAPING_SCHEMATHESIS_FULL") == "1"
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"stateful": {"enabled": False}, "coverage": {"enabled": FULL}}}
)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG).include(
    path_regex="^/api/v1/(org/units|catalog/items|catalog/content|cases|cases/\\{projectNo\\}|ratings|ratings/batch|ratings/\\{receipt\\})$"
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class SigningSession(requests.Session):
    def __init__(self, app_id: str, secret: str) -> None:
        super().__init__()
        self.app_id, self.secret = app_id, secret

    def send(self, request, **kwargs):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(
            signed_headers(
                self.app_id, self.secret, request.method, urlsplit(request.url).path, body
            )
        )
        return super().send(request, **kwargs)


@pytest.fixture
def signed_session(transactional_db):
    tree = build_org_tree()
    completed_case(tree)
    client, secret = integration_client_create(name="schemathesis", scope_code="540100")
    with SigningSession(client.app_id, secret) as session:
        yield session


def test_served_schema_is_the_one_tested(client, transactional_db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"].keys() == api.get_openapi_schema()["paths"].keys()
    assert client.get("/api/v1/docs").status_code == 200


@schema.parametrize()
@settings(
    max_examples=30 if FULL else 6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms(case, live_server, signed_session):
    case.call_and_validate(
        base_url=live_server.url, session=signed_session, checks=CHECKS, timeout=30
    )
