"""Dashboards through HTTP: roles, scope (out of scope is 404), figures, masking, query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.accounts.enums import Role
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.testing.builders import make_case, make_user

from .conftest import local

pytestmark = pytest.mark.django_db
OCT = "grain=month&period=2026-10"


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def city_leader(dataset):
    return make_user("leader", Role.LEADER, scope_region=dataset.tree.lhasa)


@pytest.fixture
def county_handler(dataset):
    return make_user("cg", Role.HANDLER, scope_region=dataset.tree.chengguan)


@pytest.fixture
def police_handler(dataset):
    return make_user("ph", Role.HANDLER, scope_unit=dataset.tree.police)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/results/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_window_staff_is_refused(client, dataset):
    client.force_login(make_user("w", Role.WINDOW_STAFF, scope_unit=dataset.tree.police))
    assert client.get("/results/").status_code == 403
    assert client.get("/results/rankings/").status_code == 403


def test_city_overview_shows_the_exact_figures(client, city_leader):
    client.force_login(city_leader)
    html = client.get(f"/results/?{OCT}").content.decode()
    assert "City overview" in html or "全市概览" in html
    assert figure(html, "ratings") == "8"
    assert figure(html, "good_rate") == "50.0%"
    assert figure(html, "satisfaction_rate") == "75.0%"
    assert figure(html, "citizen_good_rate") == "60.0%"
    assert figure(html, "bad_rate") == "25.0%"
    assert figure(html, "rating_rate") == "80.0%"
    assert figure(html, "online_unrated") == "1"
    assert figure(html, "received") == "2"
    assert figure(html, "open") == "2"
    assert figure(html, "overdue") == "2"
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 3
    assert "<td>113</td>" in html and "<td>213</td>" in html


def test_county_user_sees_only_the_county(client, county_handler, dataset):
    client.force_login(county_handler)
    html = client.get(f"/results/?{OCT}").content.decode()
    assert figure(html, "ratings") == "3"
    assert figure(html, "bad_rate") == "33.3%"
    assert client.get(f"/results/regions/540102/?{OCT}").status_code == 200
    # out of scope: the city's police and the other county
    assert client.get(f"/results/units/{dataset.tree.police.pk}/").status_code == 404
    assert client.get("/results/regions/540100/").status_code == 404
    assert client.get("/results/regions/540122/").status_code == 404
    assert client.get(f"/results/ratings/?unit={dataset.tree.police.pk}").status_code == 404


def test_unit_user_sees_the_unit_and_its_breakdowns(client, police_handler, dataset):
    client.force_login(police_handler)
    response = client.get(f"/results/units/{dataset.tree.police.pk}/?{OCT}")
    html = response.content.decode()
    assert figure(html, "ratings") == "5"
    assert figure(html, "good_rate") == "40.0%"
    assert "居民身份证申领" in html and "扎西顿珠 (P001)" in html
    assert client.get(f"/results/units/{dataset.tree.cg_police.pk}/").status_code == 404
    assert client.get("/results/regions/540102/").status_code == 404
    overview = client.get(f"/results/?{OCT}").content.decode()
    assert figure(overview, "ratings") == "5"


def test_drill_down_masks_identities(client, city_leader, dataset):
    client.force_login(city_leader)
    html = client.get(f"/results/ratings/?{OCT}&level=bad").content.decode()
    assert "卓*" in html and "139****5678" in html
    assert "13912345678" not in html and "卓玛" not in html
    assert html.count('<tr class="bad">') == 2


def test_drill_down_keyset_pages(client, city_leader, dataset):
    from haochaping.results import views

    client.force_login(city_leader)
    old = views.PAGE_SIZE
    views.PAGE_SIZE = 3
    try:
        html = client.get(f"/results/ratings/?{OCT}").content.decode()
        assert html.count("<tr") == 4  # header + 3
        nxt = re.search(r'rel="next" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")
        html2 = client.get(f"/results/ratings/?{nxt}").content.decode()
        assert html2.count("<tr") == 4
    finally:
        views.PAGE_SIZE = old


def test_bad_period_is_a_422_page(client, city_leader):
    client.force_login(city_leader)
    response = client.get("/results/?grain=month&period=2026-13")
    assert response.status_code == 422
    assert "不是所选类型的周期。" in response.content.decode()


def test_rankings_page_lists_units_with_too_little_data(client, city_leader, dataset):
    client.force_login(city_leader)
    html = client.get(f"/results/rankings/?kind=unit&{OCT}").content.decode()
    assert "too little data" in html or "数据不足" in html
    assert f'data-key="{dataset.tree.police.pk}"' in html
    assert client.get("/results/rankings/?kind=galaxy").status_code == 422


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        f"/results/?{OCT}",
        "/results/regions/540102/?" + OCT,
        f"/results/rankings/?kind=unit&{OCT}",
        f"/results/rankings/?kind=item&{OCT}",
        f"/results/rankings/?kind=region&{OCT}",
        "/results/?grain=week&period=2026-W42",
        "/results/?grain=year&period=2026",
    ],
)
def test_query_count_does_not_depend_on_the_number_of_ratings(
    client, city_leader, dataset, clock, url
):
    client.force_login(city_leader)
    before = _count_queries(client, url)
    # given 6 more ratings in October over new cases
    for i in range(6):
        case = make_case(
            dataset.tree, accepted_at=local(2026, 9, 1), completed_at=local(2026, 10, 5 + i % 20)
        )
        clock.move_to(local(2026, 10, 5 + i % 20, 12))
        rating_submit(
            case=case,
            level=Level.SATISFIED,
            channel=Channel.EVALUATOR,
            assessed_at=local(2026, 10, 5 + i % 20, 11),
        )
    clock.move_to(local(2026, 11, 5, 12))
    # then
    assert _count_queries(client, url) == before


def test_overview_query_count_is_fixed(client, city_leader, django_assert_num_queries):
    client.force_login(city_leader)
    client.get(f"/results/?{OCT}")  # warm the session

    # the scope's unit ids once (and the number of units: this scope holds them all), then the
    # rating figures in two scans (total and channels; units), whatever the database
    with django_assert_num_queries(17):
        client.get(f"/results/?{OCT}")
