"""Two simultaneous first ratings of one case: exactly one 201 and one 409 (real threads, real DB)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from haochaping.integration.services import integration_client_create
from haochaping.integration.testclient import SignedClient
from haochaping.ratings.models import Rating, RatingRollup
from haochaping.ratings.tests.helpers import completed_case, record
from haochaping.testing.builders import build_org_tree


def _race(bodies: list[dict], app_id: str, secret: str) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def worker(i: int) -> None:
        try:
            signed = SignedClient(app_id, secret, Client())
            barrier.wait(timeout=10)
            statuses[i] = signed.post("/api/v1/ratings", bodies[i]).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_first_ratings_one_201_one_409():
    # given
    tree = build_org_tree()
    case = completed_case(tree)
    client, secret = integration_client_create(name="race", scope_code="540100")
    bodies = [
        record(case, satisfaction=5, evalDetail="517"),
        record(case, satisfaction=4, evalDetail="413"),
    ]
    # when
    statuses = _race(bodies, client.app_id, secret)
    # then
    assert sorted(statuses) == [201, 409]
    assert Rating.objects.filter(case=case).count() == 1
    assert sum(RatingRollup.objects.values_list("count", flat=True)) == 1


@pytest.mark.django_db(transaction=True)
def test_same_idempotency_key_sent_simultaneously_one_rating():
    # given
    tree = build_org_tree()
    case = completed_case(tree)
    client, secret = integration_client_create(name="retry", scope_code="540100")
    body = record(case, idempotencyKey="d1b2c3d4-0000-4000-8000-000000000001")
    # when
    statuses = _race([body, body, body], client.app_id, secret)
    # then
    assert sorted(statuses) == [200, 200, 201]
    assert Rating.objects.count() == 1
