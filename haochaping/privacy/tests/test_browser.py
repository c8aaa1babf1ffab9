"""The reveal in a real browser: masked first, the full number after a reason, logged."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from haochaping.coverage.services import comment_register
from haochaping.privacy.models import RevealLog
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_liaison_reveals_a_comment_submitter_with_a_reason(page, live_server, org_tree, people):
    # given
    comment = comment_register(
        source="phone",
        subject_kind="unit",
        text="材料清单不清楚",
        unit=org_tree.police,
        submitter_name="次仁",
        submitter_mobile="13855556666",
        acting_user=people.liaison,
    )
    url = f"/coverage/comments/{comment.pk}/"
    log_in(page, live_server, people.liaison.username, next_url=url)
    box = page.locator("[data-identity=comment]")
    expect(box.locator("[data-identity-mobile]")).to_have_text("138****6666")
    # when
    box.locator("input[name=reason]").fill("回复群众意见")
    box.locator("[data-reveal-button]").click()
    # then
    box = page.locator("[data-identity=comment]")
    expect(box.locator("[data-identity-mobile]")).to_have_text("13855556666")
    expect(box).to_contain_text("仅向您显示一次；此次查看已记录")
    log = RevealLog.objects.get()
    assert (log.user_id, log.target, log.reason) == (people.liaison.pk, "comment", "回复群众意见")
