"""The dashboard cache: a block is computed once, and a new rating, another database or another
test makes it unreachable (``dashboards.cached_block``; on with ``CACHE_SECONDS`` > 0)."""

from __future__ import annotations

import pytest
from django.db import connection

from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.results import dashboards
from haochaping.results.periods import period_parse
from haochaping.testing.builders import make_case

from .conftest import local

pytestmark = pytest.mark.django_db

OCT = period_parse("month", "2026-10")


@pytest.fixture
def cache_on(settings):
    settings.HAOCHAPING_RESULTS = {**settings.HAOCHAPING_RESULTS, "CACHE_SECONDS": 60}


class Overview:
    """The real overview, counting how often it was computed."""

    def __init__(self) -> None:
        self.computed = 0

    def __call__(self) -> dict:
        self.computed += 1
        return dashboards.overview(units=None, period=OCT)

    def total(self) -> int:
        return dashboards.cached_block("overview", None, OCT, self)["figures"]["ratings"]


def test_a_block_is_computed_once_and_again_after_a_new_rating(dataset, cache_on):
    overview = Overview()
    before = overview.total()
    assert overview.total() == before
    assert overview.computed == 1

    case = make_case(dataset.tree, completed_at=local(2026, 10, 25))
    rating_submit(
        case=case, level=Level.SATISFIED, channel=Channel.EVALUATOR,
        assessed_at=local(2026, 10, 25, 11),
    )  # fmt: skip

    assert overview.total() == before + 1
    assert overview.computed == 2
    assert overview.total() == before + 1
    assert overview.computed == 2


def test_another_database_does_not_read_the_block(dataset, cache_on, monkeypatch):
    overview = Overview()
    overview.total()
    monkeypatch.setitem(connection.settings_dict, "NAME", f"{connection.settings_dict['NAME']}_b")
    overview.total()
    assert overview.computed == 2


def test_each_test_has_its_own_namespace(settings):
    assert settings.HAOCHAPING_RESULTS["CACHE_VERSION"].endswith(
        "test_each_test_has_its_own_namespace"
    )
    assert settings.HAOCHAPING_RESULTS["CACHE_VERSION"] in dashboards.cache_namespace()


def test_off_computes_every_time(dataset, settings):
    settings.HAOCHAPING_RESULTS = {**settings.HAOCHAPING_RESULTS, "CACHE_SECONDS": 0}
    overview = Overview()
    overview.total()
    overview.total()
    assert overview.computed == 2
