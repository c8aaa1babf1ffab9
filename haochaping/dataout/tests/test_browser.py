"""The data-out page in a real browser: a dead letter, the alert, Retry, delivered."""

from __future__ import annotations

import pytest
import time_machine

from haochaping.accounts.enums import Role
from haochaping.core.clock import now
from haochaping.dataout.delivery import outbox_drain
from haochaping.dataout.enums import MessageStatus
from haochaping.dataout.models import OutboxMessage
from haochaping.dataout.tests.conftest import rate
from haochaping.testing.builders import make_user
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sees_a_dead_letter_and_retries_it(
    page, live_server, org_tree, platform, artifacts_dir
):
    # given a record dead-lettered while the platform was failing, and the platform back
    make_user("admin", Role.ADMIN)
    rate(org_tree)
    platform.control(fail={"status": 503, "count": -1})
    with time_machine.travel(now(), tick=False) as clock:
        for _ in range(4):
            outbox_drain()
            clock.shift(3600)
    platform.reset()
    m = OutboxMessage.objects.get()
    log_in(page, live_server, "admin")

    # when the admin opens the page
    page.goto(live_server.url + "/dataout/")

    # then the dead letter is listed with its error
    row = page.locator(f'#dead tr[data-record="{m.record_id}"]')
    assert row.locator("td").nth(2).inner_text() == "4"
    assert "E_UNAVAILABLE" in row.inner_text()
    assert page.locator('[data-figure="dead"]').inner_text() == "1"
    page.screenshot(path=str(artifacts_dir / "dataout-zh.png"), full_page=True)

    # when they retry it
    row.get_by_role("button", name="重试").click()

    # then it waits to be sent, and the next round delivers it
    assert page.get_by_text(f"记录 {m.record_id} 将重新推送。").is_visible()
    assert page.locator('[data-figure="dead"]').inner_text() == "0"
    assert page.locator("#audit").inner_text().count("admin") == 1
    outbox_drain()
    m.refresh_from_db()
    assert m.status == MessageStatus.DELIVERED
