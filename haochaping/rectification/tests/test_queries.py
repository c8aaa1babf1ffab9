"""List and report endpoints run a fixed number of queries, however many items there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.rectification.tests.conftest import login
from haochaping.rectification.tests.helpers import open_rectification

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/rectifications",
    "/api/v1/rectifications/overview",
    "/api/v1/rectifications/callback-queue",
    "/rectification/",
    "/rectification/overview/",
    "/rectification/callbacks/",
]


def _count(client, path):
    client.get(path)  # warm the calendar cache and the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", PATHS)
def test_queries_do_not_grow_with_items(org_tree, people, clock, path, settings):
    # the calendar cache re-reads its token every few seconds; keep it still for counting
    settings.HAOCHAPING = {**settings.HAOCHAPING, "WORKDAYS_CACHE_SECONDS": 3600}
    client = login(people.liaison)
    open_rectification(org_tree)
    open_rectification(org_tree, unit=org_tree.cg_police)
    few = _count(client, path)
    for _i in range(5):
        open_rectification(org_tree)
        open_rectification(org_tree, unit=org_tree.cg_police)
    assert _count(client, path) == few
    assert few <= 12
