"""The authorization matrix, checked with real requests.

Every page URL pattern and every API operation must have a rule in
:mod:`haochaping.accounts.matrix`. For each rule, every role (plus anonymous visitors and
integration clients) requests it with the world's objects, all of which lie in county A:
users scoped to county A must get what the rule allows, users of the same role scoped to county B
must get 404 (or 403) for an object in the URL, and no response to them may name an object of
county A (case numbers, detail links, texts). Each request is rolled back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from haochaping.accounts.enums import Role
from haochaping.accounts.matrix import MATRIX, SCOPES, Access, as_markdown
from haochaping.accounts.routes import all_routes
from tests.security import harness
from tests.security.world import build_world

# Objects that are not scoped by region or unit (or are missing from the world): a reader in
# either county gets the same answer.
UNSCOPED = {"calendar", "job", "message", "report"}
DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from haochaping.api import api

    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            w = build_world()
            w.clients = harness.clients(w)
            w.schema = api.get_openapi_schema(path_prefix="/api/v1")
            w.routes = {r.key: r for r in all_routes()}
            yield w
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_every_url_and_operation_is_in_the_matrix():
    keys = {r.key for r in all_routes()}
    unknown = sorted(keys - set(MATRIX))
    stale = sorted(set(MATRIX) - keys)
    assert not unknown, f"classify these in haochaping/accounts/matrix.py: {unknown}"
    assert not stale, f"these matrix rules match no URL or operation: {stale}"
    for key, rule in MATRIX.items():
        assert not rule.scope or rule.scope in SCOPES, key
        assert not rule.lists or rule.lists in SCOPES, key
        assert rule.access != Access.STAFF or rule.roles, key


def test_the_security_doc_shows_the_matrix():
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- matrix:start -->\n(.*?)<!-- matrix:end -->", text, re.S)
    assert match, "docs/security.md lacks the matrix markers"
    assert match.group(1) == as_markdown(), "run `haochaping access-matrix --write`"


def _kind(o: harness.Outcome) -> str:
    if o.status == 401 or (o.status == 302 and "login" in o.location):
        return "login"
    if o.status in (403, 404, 405):
        return {403: "forbidden", 404: "notfound", 405: "method"}[o.status]
    if o.status >= 500:
        return "error"
    return "ok"  # 2xx, 3xx, and 400/409/422: past the access check


DENIED = {"forbidden", "notfound"}


def _expect(rule, method: str, principal: harness.Principal, world) -> set[str]:
    """The kinds of answer ``principal`` may get on the world's (county A) objects."""
    access, role, side = rule.access, principal.role, principal.side
    if access in (Access.PUBLIC, Access.TOKEN):
        return {"ok", "notfound", "login"}  # unknown links and codes: 404; some send to login
    if access == Access.NETWORK:
        return {"ok"}  # the test client's address is loopback, allowed by default
    if role == harness.ANONYMOUS:
        return {"login"}
    if access == Access.DEVICE:
        return {"login"}  # no principal here is a paired tablet
    if access == Access.SITE_ADMIN:
        return {"login"}  # no role reaches the admin site
    if access == Access.SIGNED or (role == harness.SIGNED and rule.clients):
        if role != harness.SIGNED:
            return {"login"}
        return _scoped(rule, side)
    if role == harness.SIGNED:
        return {"login"}
    if access == Access.OWN:
        if rule.scope == "notification":
            return {"ok"} if principal.name == world.owner else {"notfound"}
        return {"ok"}
    if Role(role) not in rule.roles_for(method):
        return {"ok"} if rule.empty_for_others else DENIED
    return _scoped(rule, side)


def _scoped(rule, side: str) -> set[str]:
    if not rule.scope or rule.scope in UNSCOPED:
        return {"ok", "notfound"} if rule.scope else {"ok"}
    if side == "in":
        return {"ok"}
    return DENIED


def _body_reference(rule, route) -> bool:
    """The scoped object travels in the request body, not in the URL."""
    return bool(rule.scope) and not route.params


def _every_record_refused(o: harness.Outcome) -> bool:
    """A batch answers 200 with one result per record: each must be a refusal."""
    try:
        results = json.loads(o.body)["results"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(results) and all(r.get("status", 200) >= 400 for r in results)


# Who asks where the role does not matter (public pages, tablets, signed operations, the admin
# site): the anonymous visitor, one user per county and, where it matters, the clients.
SAMPLE_USERS = {"handler-in", "leader-out"}


def _principals(rule, method: str) -> list[harness.Principal]:
    chosen = []
    for p in harness.principals():
        if p.role == harness.SIGNED:
            if not (rule.access == Access.SIGNED or rule.clients) and (
                rule.access != Access.STAFF or p.side == "out"
            ):
                continue  # one signed request shows a session-only operation refuses clients
        elif p.role == harness.ANONYMOUS:
            pass
        elif rule.access in (
            Access.PUBLIC,
            Access.TOKEN,
            Access.DEVICE,
            Access.SIGNED,
            Access.NETWORK,
        ):
            if p.name not in SAMPLE_USERS:
                continue
        elif rule.access == Access.SITE_ADMIN:
            if p.side == "out":
                continue  # no role reaches it, whatever its scope
        elif (
            p.side == "out"
            and rule.access == Access.STAFF
            and Role(p.role) not in rule.roles_for(method)
        ):
            continue  # a role refused in county A is refused in county B as well
        chosen.append(p)
    return chosen


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_route_access(key, world):
    rule = MATRIX[key]
    route = world.routes.get(key)
    if route is None:
        pytest.fail(f"{key}: no such URL or operation")
    path = harness.url(route, world)
    public = rule.access in (Access.PUBLIC, Access.TOKEN, Access.NETWORK)
    failures = []
    for method in rule.methods:
        for p in _principals(rule, method):
            kind, body = (
                harness.api_body(route, world, world.schema)
                if route.method
                else ("form", harness.form(route, world))
            )
            if kind == "multipart" and p.role == harness.SIGNED:
                kind, body = "json", {}
            o = harness.send(
                world.clients[p.name], method, path, body, multipart=kind == "multipart"
            )
            got = _kind(o)
            allowed = _expect(rule, method, p, world)
            if (
                got == "ok"
                and p.side == "out"
                and _body_reference(rule, route)
                and (o.status in (400, 422) or _every_record_refused(o))
            ):
                got = "forbidden"  # a body naming an out-of-scope object is refused as invalid
            if got not in allowed:
                failures.append(
                    f"{method} as {p.name}: {o.status} {o.location} "
                    f"(expected {sorted(allowed)}) {o.body[:160]}"
                )
                continue
            if public or got != "ok":
                continue
            # a detail page's own URL is not a leak of it (the language form carries it)
            text = o.body.replace(path, "") if route.params else o.body
            outsider = p.role in Role.values and Role(p.role) not in rule.roles_for(method)
            if p.side == "out" or outsider:
                named = [m for ms in world.markers.values() for m in ms if m in text]
                if named:
                    failures.append(f"{method} as {p.name}: names county A's {named}")
            elif rule.lists and method == "GET":
                if not any(m in text for m in world.markers[rule.lists]):
                    failures.append(f"{method} as {p.name}: lists no {rule.lists} in scope")
    assert not failures, f"{key}:\n  " + "\n  ".join(failures)
