"""Schemathesis over the WHOLE OpenAPI schema, against a live server: at least 1,000 cases.

Every operation of ``/api/v1/openapi.json`` is fuzzed with schema-valid (positive) and
schema-violating (negative) requests. Each request carries both credentials the API knows: an
HMAC signature of an integration client scoped to Lhasa (signed over the exact bytes sent) and
the session cookie of a city liaison (with its CSRF token), so operations behind either
authentication are reached past the auth layer. The fixture seeds a completed case, a bad rating
with its open rectification, and a good rating, so small generated ids hit real objects.

Checks per response: no 5xx, only documented status codes, documented content types, and a body
that matches the response schema. Failures are collected (not shrunk) and listed together.

Bounds: ``HAOCHAPING_FUZZ_EXAMPLES`` examples per operation and generation mode (default 9:
69 operations x 2 modes -> about 1,200 cases, a few minutes on a loaded 2-core machine);
``HAOCHAPING_FUZZ_BUDGET`` seconds (default 900): fuzzing stops there and the test fails if it
did not reach ``HAOCHAPING_FUZZ_MIN_CASES`` (default 1,000) cases by then.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from haochaping.accounts.enums import Role
from haochaping.api import api
from haochaping.integration.services import integration_client_create
from haochaping.ratings.tests.test_schemathesis import SigningSession
from haochaping.testing.builders import TEST_PASSWORD, build_org_tree, make_user

pytestmark = [pytest.mark.slow]

EXAMPLES = int(os.environ.get("HAOCHAPING_FUZZ_EXAMPLES", "9"))
BUDGET_S = float(os.environ.get("HAOCHAPING_FUZZ_BUDGET", "900"))
MIN_CASES = int(os.environ.get("HAOCHAPING_FUZZ_MIN_CASES", "1000"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = SchemathesisConfig.from_dict({"phases": {"stateful": {"enabled": False}}})


class CredentialedSession(SigningSession):
    """Signs every request like a vendor's system and carries a staff session + CSRF token."""

    def __init__(self, app_id: str, secret: str, sessionid: str, csrf: str) -> None:
        super().__init__(app_id, secret)
        self.csrf, self.sessionid = csrf, sessionid
        self.cookies.set("sessionid", sessionid)
        self.cookies.set("csrftoken", csrf)

    def send(self, request, **kwargs):
        request.headers["X-CSRFToken"] = self.csrf
        return super().send(request, **kwargs)


def _seed(tree) -> None:
    """A completed case with a bad rating (so a rectification is open) and a good one."""
    from haochaping.ratings.tests.helpers import completed_case
    from haochaping.rectification.tests.conftest import ensure_calendar
    from haochaping.rectification.tests.helpers import bad_rating

    ensure_calendar()
    bad_rating(tree)
    completed_case(tree)


@pytest.fixture
def credentials(transactional_db, settings, live_server):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    tree = build_org_tree()
    _seed(tree)
    make_user("fuzz-liaison", Role.LIAISON, scope_region=tree.lhasa)
    client = Client()
    assert client.login(username="fuzz-liaison", password=TEST_PASSWORD)
    csrf = get_token(RequestFactory().get("/"))
    app, secret = integration_client_create(name="fuzz", scope_code="540100")
    with CredentialedSession(app.app_id, secret, client.cookies["sessionid"].value, csrf) as s:
        yield s


def _strategy(operation):
    modes = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        try:
            modes.append(operation.as_strategy(generation_mode=mode))
        except Exception:  # noqa: S112 - an operation without negatable parts has no negative mode
            continue
    return st.one_of(*modes)


@dataclass
class FuzzRun:
    base_url: str
    session: CredentialedSession
    started: float
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def over_budget(self) -> bool:
        return time.monotonic() - self.started > BUDGET_S

    def fuzz(self, operation) -> None:
        @given(case=_strategy(operation))
        @settings(
            max_examples=EXAMPLES * 2,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def one(case):
            if self.over_budget():
                return
            self.cases += 1
            if case.cookies and "sessionid" in case.cookies:
                # Schemathesis fills the cookie security scheme with generated junk: present the
                # real session instead (cases that leave the cookie out stay anonymous).
                case.cookies["sessionid"] = self.session.sessionid
            try:
                response = case.call(base_url=self.base_url, session=self.session, timeout=60)
                self.statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                lines = str(exc).strip().splitlines()
                self.failures.append(f"{operation.label}: {' | '.join(lines[:12])}")

        one()


def test_whole_schema_fuzz(live_server, credentials):
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(v) for v in api.get_openapi_schema()["paths"].values())
    run = FuzzRun(base_url=live_server.url, session=credentials, started=time.monotonic())
    for operation in operations:
        if run.over_budget():
            break
        run.fuzz(operation)

    elapsed = time.monotonic() - run.started
    print(
        f"fuzz: {run.cases} cases, {len(operations)} operations, {elapsed:.0f} s, "
        f"statuses {dict(sorted(run.statuses.items()))}, {len(run.failures)} failures"
    )
    assert not run.failures, "\n".join(dict.fromkeys(run.failures))  # distinct, in order
    assert run.cases >= MIN_CASES, (
        f"only {run.cases} cases in {elapsed:.0f} s (budget {BUDGET_S:.0f} s)"
    )
    assert run.statuses.keys() - {401, 403}, "nothing got past authentication"
