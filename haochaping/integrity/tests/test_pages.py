"""The pages through the test client: queue, decisions, statistics, unit view, permissions."""

from __future__ import annotations

import pytest
from django.utils import translation

from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.models import Review
from haochaping.integrity.tests.conftest import T0, rate
from haochaping.ratings.enums import Validity

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(org_tree, clock):
    return Review.objects.get(rating=rate(org_tree, clock, T0, mobile=org_tree.staff.mobile))


def _get(client, user, url):
    client.force_login(user)
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def test_queue_lists_the_flag_with_its_reason(client, people, review):
    response = _get(client, people.liaison, "/integrity/?lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert review.rating.receipt in html
    assert "Given from the mobile number ending 0001, which belongs to a staff member." in html


def test_confirm_through_the_page(client, people, review):
    client.force_login(people.liaison)
    response = client.post(f"/integrity/reviews/{review.pk}/confirm", {"reason": "本人手机"})
    assert response.status_code == 302
    review.refresh_from_db()
    review.rating.refresh_from_db()
    assert (review.status, review.rating.validity) == (ReviewStatus.CONFIRMED, Validity.EXCLUDED)
    page = client.get(f"/integrity/reviews/{review.pk}/").content.decode()
    assert 'data-event="integrity.confirmed"' in page


def test_confirm_without_reason_stays_open(client, people, review):
    client.force_login(people.liaison)
    response = client.post(f"/integrity/reviews/{review.pk}/confirm", {"reason": ""})
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.OPEN


def test_deciding_twice_is_a_conflict(client, people, review):
    client.force_login(people.liaison)
    client.post(f"/integrity/reviews/{review.pk}/clear", {"reason": ""})
    response = client.post(f"/integrity/reviews/{review.pk}/clear", {"reason": ""})
    assert response.status_code == 409


def test_window_staff_may_not_see_the_queue(client, people, review):
    assert _get(client, people.window_staff, "/integrity/").status_code == 403
    assert _get(client, people.window_staff, f"/integrity/reviews/{review.pk}/").status_code == 403
    client.force_login(people.window_staff)
    assert (
        client.post(f"/integrity/reviews/{review.pk}/confirm", {"reason": "x"}).status_code == 403
    )


def test_out_of_scope_review_is_not_found(client, people, review):
    assert (
        _get(client, people.county_liaison, f"/integrity/reviews/{review.pk}/").status_code == 404
    )


def test_supervision_lands_on_the_unit_view_and_sees_statistics(client, people, review, org_tree):
    html = _get(
        client, people.supervisor, "/integrity/?since=2026-10-01&until=2026-10-31"
    ).content.decode()
    assert f'data-unit="{org_tree.police.pk}"' in html
    stats = _get(client, people.supervisor, "/integrity/checks/?since=2026-01-01").content.decode()
    assert 'data-check="staff_self"><td>' in stats
    weekly = _get(
        client,
        people.supervisor,
        f"/integrity/units/{org_tree.police.pk}/?since=2026-10-12&until=2026-10-18",
    )
    assert weekly.status_code == 200
    assert 'data-week="2026-10-12"' in weekly.content.decode()


def test_anonymous_goes_to_login(client):
    response = client.get("/integrity/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
