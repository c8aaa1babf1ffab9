"""The admin page over HTTP: figures, retry, resend, reconcile (audited), access."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.core.clock import now, today
from haochaping.dataout.delivery import outbox_drain
from haochaping.dataout.enums import AuditAction, MessageStatus
from haochaping.dataout.models import AuditEntry, OutboxMessage
from haochaping.dataout.tests.conftest import rate
from haochaping.testing.builders import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


@pytest.fixture
def admin(db):
    return make_user("admin", Role.ADMIN)


def dead_letter(tree, platform) -> OutboxMessage:
    rate(tree)
    platform.control(fail={"status": 500, "count": -1})
    with time_machine.travel(now(), tick=False) as clock:
        for _ in range(4):
            outbox_drain()
            clock.shift(3600)
    platform.reset()
    return OutboxMessage.objects.get(status=MessageStatus.DEAD)


def test_the_page_shows_backlog_lag_and_failures(org_tree, platform, admin):
    # given one delivered, one dead and one waiting record
    rate(org_tree)
    outbox_drain()
    dead = dead_letter(org_tree, platform)
    rate(org_tree)

    # when
    response = login(admin).get("/dataout/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert (figure(html, "pending"), figure(html, "dead"), figure(html, "delivered")) == (
        "1",
        "1",
        "1",
    )
    assert figure(html, "failures_24h") == "4"
    assert figure(html, "lag") != "—"
    assert f'data-record="{dead.record_id}"' in html
    assert "Internal Server Error" not in html


def test_retry_of_a_dead_letter_is_audited_and_delivers(org_tree, platform, admin):
    dead = dead_letter(org_tree, platform)

    response = login(admin).post(f"/dataout/messages/{dead.pk}/retry", follow=True)

    assert f"Record {dead.record_id} will be sent again." in response.content.decode()
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (MessageStatus.PENDING, 0)
    entry = AuditEntry.objects.get(action=AuditAction.RETRY)
    assert (entry.message_id, entry.acting_user_id, entry.detail["attempts_before"]) == (
        dead.pk,
        admin.pk,
        4,
    )
    outbox_drain()
    dead.refresh_from_db()
    assert dead.status == MessageStatus.DELIVERED


def test_resend_of_a_delivered_record_is_audited_and_the_platform_keeps_one_copy(
    org_tree, platform, admin
):
    rate(org_tree)
    outbox_drain()
    m = OutboxMessage.objects.get()
    client = login(admin)

    client.post(f"/dataout/messages/{m.pk}/resend")
    outbox_drain()

    m.refresh_from_db()
    assert (m.status, m.platform_reply) == (MessageStatus.DELIVERED, "duplicate")
    assert AuditEntry.objects.get(action=AuditAction.RESEND).acting_user == admin
    assert [r["deliveries"] for r in platform.records()] == [2]


def test_resend_of_a_record_not_yet_delivered_is_refused(org_tree, platform, admin):
    rate(org_tree)
    m = OutboxMessage.objects.get()

    response = login(admin).post(f"/dataout/messages/{m.pk}/resend", follow=True)

    assert "Only a delivered message can be sent again." in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_reconcile_from_the_page(org_tree, platform, admin):
    rate(org_tree)
    outbox_drain()

    response = login(admin).post("/dataout/reconcile", {"day": ""}, follow=True)
    assert "Give the day as yyyy-mm-dd." in response.content.decode()

    response = login(admin).post("/dataout/reconcile", {"day": today().isoformat()}, follow=True)
    html = response.content.decode()
    assert f"{today().isoformat()} Rating: Matches the platform (here 1, platform 1)" in html
    assert AuditEntry.objects.get(action=AuditAction.RECONCILE).acting_user == admin


def test_find_a_record_shows_its_attempts(org_tree, platform, admin):
    rate(org_tree)
    outbox_drain()
    m = OutboxMessage.objects.get()

    html = login(admin).get("/dataout/", {"record": m.record_id}).content.decode()

    assert f'id="record-{m.record_id}"' in html
    assert "Accepted by the platform" in html


def test_only_administrators_see_or_act(org_tree, platform):
    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    rate(org_tree)
    m = OutboxMessage.objects.get()
    client = login(liaison)

    assert client.get("/dataout/").status_code == 403
    assert client.post(f"/dataout/messages/{m.pk}/retry").status_code == 403
    assert client.post("/dataout/retry-dead").status_code == 403
    assert Client().get("/dataout/").status_code == 302
    assert (
        login(make_user("admin2", Role.ADMIN)).post("/dataout/messages/999999/retry").status_code
        == 404
    )


def test_the_page_speaks_chinese_by_default(org_tree, platform, admin):
    client = Client()
    assert client.login(username=admin.username, password=TEST_PASSWORD)

    html = client.get("/dataout/").content.decode()

    assert "<h1>自治区平台推送</h1>" in html
    assert "推送滞后（秒）" in html
