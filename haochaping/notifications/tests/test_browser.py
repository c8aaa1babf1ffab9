"""The inbox in a real browser: the header badge, reading a message, the count going down."""

from __future__ import annotations

import pytest

from haochaping.accounts.enums import Role
from haochaping.notifications.services import notify
from haochaping.testing.builders import make_user
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_handler_reads_a_deadline_warning_from_the_header_badge(
    page, live_server, org_tree, artifacts_dir
):
    # given two messages for a handler
    handler = make_user("handler", Role.HANDLER, scope_unit=org_tree.police)
    params = {"item": "540100-00000042", "due": "2026-11-30 19:00", "percent": 80}
    notify(recipients=[handler], message="deadline.warning", params=params, url="/")
    notify(recipients=[handler], message="digest.daily", params={"count": 1})
    log_in(page, live_server, "handler")
    # then the header shows 2 unread
    badge = page.locator("#inbox-link .badge")
    assert badge.get_attribute("data-unread") == "2"
    # when they open the inbox and mark the warning read
    page.locator("#inbox-link").click()
    warning = page.locator("li.unread", has_text="即将到期：540100-00000042")
    assert warning.locator("p").first.inner_text() == (
        "540100-00000042 将于 2026-11-30 19:00 到期，已用去 80% 的时限。"
    )
    page.screenshot(path=str(artifacts_dir / "inbox-zh.png"), full_page=True)
    warning.get_by_role("button", name="标为已读").click()
    # then one unread is left
    assert page.locator("#inbox-link .badge").get_attribute("data-unread") == "1"
    assert page.locator("li.read h2").inner_text() == "即将到期：540100-00000042"
