"""CSRF everywhere: no page opts out except the citizen rating page, and the check is on."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from haochaping.accounts.enums import Role
from haochaping.testing.builders import TEST_PASSWORD, make_user

# /r/<token> is opened from SMS links, receipts and other systems' iframes, where the CSRF
# cookie is not available; the single-use random token in its URL is what an attacker lacks.
ALLOWED_EXEMPT = {"channels:rate"}


def _walk(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def test_only_the_citizen_rating_page_and_the_api_are_csrf_exempt():
    exempt = set()
    for name, view in _walk(get_resolver()):
        if getattr(view, "csrf_exempt", False):
            exempt.add(name)
    # django-ninja views are exempt from the middleware and check CSRF themselves for
    # cookie-authenticated operations (SessionAuth(csrf=True)); signed calls carry an HMAC.
    api = {n for n in exempt if n.startswith("api-")}
    assert exempt - api == ALLOWED_EXEMPT


@pytest.mark.django_db
def test_a_login_post_without_the_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": TEST_PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_session_api_write_without_the_token_is_refused(org_tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan))
    response = client.post(
        "/api/v1/rectifications/1/comment", {"note": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and b"CSRF" in response.content
    # with the token from a page, the same call gets past CSRF to the role check
    client.get("/rectification/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/rectifications/1/comment",
        {"note": "x"},
        content_type="application/json",
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
