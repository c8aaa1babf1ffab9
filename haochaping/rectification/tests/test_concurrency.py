"""Two people acting on one item at the same moment (real threads, real database): one wins,
the other gets HTTP 409 with a message."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification
from haochaping.rectification.tests.helpers import open_rectification
from haochaping.testing.builders import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _race(requests: list[tuple[str, str, dict]]) -> list:
    """Each (username, path, body) posts from its own thread and connection, released together."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(i: int) -> None:
        username, path, body = requests[i]
        try:
            client = Client(headers={"accept-language": "en"})
            assert client.login(username=username, password=TEST_PASSWORD)
            barrier.wait(timeout=20)
            response = client.post(path, json.dumps(body), content_type="application/json")
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    return results


def test_two_handlers_contact_at_once_one_wins(org_tree, people):
    # given the unit's handler and its backup, both looking at version 1
    backup = make_user("h-police-backup", Role.HANDLER, scope_unit=org_tree.police)
    r = open_rectification(org_tree)
    path = f"/api/v1/rectifications/{r.pk}/contact"
    # when both record the contact at the same moment
    results = _race(
        [
            (people.handler.username, path, {"note": "甲联系", "version": 1}),
            (backup.username, path, {"note": "乙联系", "version": 1}),
        ]
    )
    # then one 200, one 409 conflict with a message, and one timeline row
    statuses = sorted(code for code, _body in results)
    assert statuses == [200, 409]
    loser = next(body for code, body in results if code == 409)
    assert loser["code"] == "conflict"
    assert loser["message"] == (
        "Someone else changed this rectification a moment ago (now: Citizen "
        "contacted). Reload the page and try again."
    )
    r.refresh_from_db()
    assert (r.status, r.version) == (Status.CONTACTED, 2)
    assert r.events.filter(type="rectification.contacted").count() == 1


def test_without_versions_the_state_check_refuses_the_second(org_tree, people):
    # given an item awaiting callback, and two liaisons recording different outcomes
    from haochaping.rectification.tests.helpers import advance

    second = make_user("liaison-2", Role.LIAISON, scope_region=org_tree.lhasa)
    r = advance(
        open_rectification(org_tree),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    path = f"/api/v1/rectifications/{r.pk}/callback"
    results = _race(
        [
            (
                people.liaison.username,
                path,
                {"method": "phone", "outcome": "reached", "satisfaction": "satisfied"},
            ),
            (
                second.username,
                path,
                {
                    "method": "sms",
                    "outcome": "reached",
                    "satisfaction": "unsatisfied",
                    "afterUnsatisfied": "escalate",
                },
            ),
        ]
    )
    codes = sorted(code for code, _body in results)
    assert codes == [200, 409]
    loser = next(body for code, body in results if code == 409)
    assert loser["code"] == "invalid_transition"
    final = Rectification.objects.get(pk=r.pk)
    assert final.status in (Status.CLOSED, Status.ESCALATED)
    assert final.callbacks.count() == 1
