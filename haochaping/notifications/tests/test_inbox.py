"""The inbox pages, the header badge, preferences and the daily digest."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from haochaping.accounts.enums import Role
from haochaping.notifications.enums import Delivery, SmsStatus
from haochaping.notifications.models import Notification, NotificationPreference, SmsMessage
from haochaping.notifications.services import notify, preference_update, send_daily_digests
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "Test-pass-2026!"
WARNING = {"item": "540100-00000042", "due": "2026-11-30 19:00", "percent": 50}


@pytest.fixture
def handler(org_tree):
    return make_user("handler", Role.HANDLER, scope_unit=org_tree.police)


@pytest.fixture
def logged_in(client, handler):
    client.login(username="handler", password=PASSWORD)
    return client


def test_the_header_shows_the_unread_count(logged_in, handler):
    notify(recipients=[handler], message="deadline.warning", params=WARNING)
    notify(recipients=[handler], message="digest.daily", params={"count": 2})
    html = logged_in.get("/").content.decode()
    assert 'class="badge" data-unread="2">2<span class="visually-hidden"> 未读</span>' in html


def test_the_header_has_no_badge_when_all_is_read(logged_in):
    html = logged_in.get("/").content.decode()
    assert 'id="inbox-link"' in html
    assert 'class="badge"' not in html


def test_the_inbox_lists_messages_in_the_readers_language(logged_in, handler):
    notify(recipients=[handler], message="deadline.warning", params=WARNING, url="/cases/1/")
    html = logged_in.get("/notifications/").content.decode()
    assert "<h2>即将到期：540100-00000042</h2>" in html
    assert "<p>540100-00000042 将于 2026-11-30 19:00 到期，已用去 50% 的时限。</p>" in html
    logged_in.post("/i18n/setlang/", {"language": "bo", "next": "/"})
    html = logged_in.get("/notifications/").content.decode()
    assert "<h2>དུས་བཀག་ཉེ་བ། 540100-00000042</h2>" in html


def test_the_inbox_counts_its_queries(logged_in, handler):
    for n in range(30):
        notify(recipients=[handler], message="digest.daily", params={"count": n})
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get("/notifications/")
    assert response.status_code == 200
    # session, user, page count, page rows, unread badge: not one per message
    assert len(queries) == 5, [q["sql"] for q in queries]


def test_mark_read_and_open_follows_the_link(logged_in, handler):
    (note,) = notify(
        recipients=[handler], message="deadline.warning", params=WARNING, url="/cases/1/"
    )
    response = logged_in.post(f"/notifications/{note.pk}/read", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/1/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_refuses_external_links(logged_in, handler):
    (note,) = notify(
        recipients=[handler],
        message="deadline.warning",
        params=WARNING,
        url="https://evil.example/",
    )
    response = logged_in.post(f"/notifications/{note.pk}/read", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_someone_elses_message_is_not_found(logged_in, org_tree):
    other = make_user("other", Role.HANDLER, scope_unit=org_tree.cg_police)
    (note,) = notify(recipients=[other], message="digest.daily", params={"count": 1})
    response = logged_in.post(f"/notifications/{note.pk}/read")
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(logged_in, handler):
    notify(recipients=[handler], message="digest.daily", params={"count": 1})
    notify(recipients=[handler], message="digest.daily", params={"count": 2})
    response = logged_in.post("/notifications/read-all", follow=True)
    assert "已将 2 条消息标为已读。" in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_htmx_badge_fragment(logged_in, handler):
    notify(recipients=[handler], message="digest.daily", params={"count": 1})
    html = logged_in.get("/notifications/badge", headers={"HX-Request": "true"}).content.decode()
    assert html.startswith('<a href="/notifications/" id="inbox-link"')
    assert 'data-unread="1"' in html


def test_pages_need_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/notifications/read-all").status_code == 302


def test_mark_read_is_post_only(logged_in, handler):
    (note,) = notify(recipients=[handler], message="digest.daily", params={"count": 1})
    assert logged_in.get(f"/notifications/{note.pk}/read").status_code == 405


def test_preferences_are_saved_and_validated(logged_in, handler):
    response = logged_in.post(
        "/notifications/preferences",
        {"delivery": "digest", "sms_enabled": "on", "mobile": "12345", "language": "bo"},
    )
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = translation.gettext("A mobile number has 11 digits and starts with 13 to 19.")
    assert expected in response.content.decode()
    assert not NotificationPreference.objects.filter(user=handler).exists()
    response = logged_in.post(
        "/notifications/preferences",
        {"delivery": "digest", "sms_enabled": "on", "mobile": "13800000009", "language": "bo"},
        follow=True,
    )
    assert "您的通知设置已保存。" in response.content.decode()
    pref = NotificationPreference.objects.get(user=handler)
    assert (pref.delivery, pref.sms_enabled, pref.mobile, pref.language) == (
        "digest",
        True,
        "13800000009",
        "bo",
    )


def test_notify_with_a_dedup_key_delivers_once(handler):
    first = notify(recipients=[handler], message="digest.daily", params={"count": 1}, dedup_key="k")
    again = notify(recipients=[handler], message="digest.daily", params={"count": 1}, dedup_key="k")
    assert (len(first), len(again)) == (1, 0)


def test_notify_refuses_unknown_templates(handler):
    with pytest.raises(LookupError, match="unknown message template 'nope'"):
        notify(recipients=[handler], message="nope", params={})


def test_instant_users_get_an_sms_digest_users_a_daily_one(org_tree, handler):
    # given one instant and one digest user, both with a mobile
    preference_update(
        acting_user=handler, delivery=Delivery.INSTANT, sms_enabled=True, mobile="13800000001"
    )
    digest_user = make_user("digest", Role.HANDLER, scope_unit=org_tree.police)
    preference_update(
        acting_user=digest_user,
        delivery=Delivery.DIGEST,
        sms_enabled=True,
        mobile="13800000002",
        language="bo",
    )
    quiet = make_user("quiet", Role.HANDLER, scope_unit=org_tree.police)
    preference_update(
        acting_user=quiet, delivery=Delivery.INSTANT, sms_enabled=False, mobile="13800000003"
    )
    # when three warnings arrive
    with time_machine.travel("2026-11-30 10:00:00+08:00", tick=False):
        for _ in range(3):
            notify(
                recipients=[handler, digest_user, quiet],
                message="deadline.warning",
                params=WARNING,
                sms=True,
            )
    # then the instant user got three SMS, the others none yet
    assert SmsMessage.objects.filter(user=handler).count() == 3
    assert not SmsMessage.objects.filter(user__in=[digest_user, quiet]).exists()
    # and the digest sends one, in Tibetan, once per day
    with time_machine.travel("2026-12-01 08:30:00+08:00", tick=False):
        assert send_daily_digests(period="2026-12-01") == 1
        assert send_daily_digests(period="2026-12-01") == 0
    (sms,) = SmsMessage.objects.filter(user=digest_user)
    assert (sms.status, sms.phone_masked, sms.language) == (SmsStatus.PENDING, "138****0002", "bo")
    assert sms.body == "ཁྱེད་ལ་ལེགས་ཉེས་དཔྱད་བརྗོད་མ་ལག་ནང་ཀློག་མེད་པའི་བརྡ་འཕྲིན་ 3 ཡོད།"
