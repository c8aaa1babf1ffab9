"""The queue and the unit view in a real browser (Debian Chromium through Playwright), in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.models import Review
from haochaping.integrity.tests.conftest import case_for, new_mobile
from haochaping.ratings.enums import Channel, Level, Validity
from haochaping.ratings.services import rating_submit
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username, next_url):
    log_in(page, live_server, username, next_url=next_url)


def test_liaison_confirms_a_flag_and_supervision_sees_the_unit(page, live_server, org_tree, people):
    # given a rating from a staff member's own phone (real clock: rated a minute ago)
    from haochaping.core.clock import now

    at = now() - dt.timedelta(minutes=1)
    case = case_for(org_tree, at)
    rating = rating_submit(
        case=case,
        level=Level.VERY_SATISFIED,
        channel=Channel.MOBILE,
        assessed_at=at,
        option_codes=["517"],
        evaluator_mobile=org_tree.staff.mobile,
    ).rating
    rating_submit(
        case=case_for(org_tree, at),
        level=Level.SATISFIED,
        channel=Channel.MOBILE,
        assessed_at=at,
        option_codes=["413"],
        evaluator_mobile=new_mobile(),
    )
    review = Review.objects.get(rating=rating)
    # when the liaison opens the queue (Chinese) and confirms with a reason
    login(page, live_server, people.liaison.username, "/integrity/")
    row = page.locator(f'tr[data-review="{review.pk}"]')
    assert "该评价来自尾号为 0001 的手机号，该号码属于工作人员。" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"{live_server.url}/integrity/reviews/{review.pk}/")
    page.fill('form[action$="/confirm"] input[name=reason]', "工作人员本人手机评价")
    page.click('form[action$="/confirm"] button')
    page.wait_for_url(f"{live_server.url}/integrity/reviews/{review.pk}/")
    # then the rating is excluded and the decision is on the timeline
    assert page.locator('[data-event="integrity.confirmed"]').count() == 1
    review.refresh_from_db()
    rating.refresh_from_db()
    assert (review.status, rating.validity) == (ReviewStatus.CONFIRMED, Validity.EXCLUDED)
    # and supervision sees the unit with its flag rate
    page.context.clear_cookies()
    login(page, live_server, people.supervisor.username, "/integrity/units/")
    unit_row = page.locator(f'tr[data-unit="{org_tree.police.pk}"]')
    assert unit_row.locator("[data-flag-rate]").inner_text() == "0.500"
