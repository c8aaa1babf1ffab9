"""notify_many / sms_queue_many: the rows of one notify / sms_queue call per message, in bulk."""

from __future__ import annotations

import pytest

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.notifications.enums import SmsStatus
from haochaping.notifications.models import Notification, SmsMessage
from haochaping.notifications.services import (
    NotifyDelivery,
    QueuedSms,
    notify,
    notify_many,
    preference_update,
    sms_queue,
    sms_queue_many,
)
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    sms = make_user("sms-user", Role.SUPERVISOR)
    preference_update(acting_user=sms, delivery="instant", sms_enabled=True, mobile="13800000001")
    bo = make_user("bo-user", Role.SUPERVISOR)
    preference_update(
        acting_user=bo, delivery="instant", sms_enabled=True, mobile="13800000002", language="bo"
    )
    digest = make_user("digest-user", Role.SUPERVISOR)
    preference_update(acting_user=digest, delivery="digest", sms_enabled=True, mobile="13800000003")
    quiet = make_user("no-pref", Role.SUPERVISOR)
    return [sms, bo, digest, quiet]


def _rows():
    notes = [
        (n.recipient_id, n.message, n.params, n.url, n.dedup_key != "")
        for n in Notification.objects.order_by("pk")
    ]
    sms = [
        (s.user_id, s.phone_masked, s.language, s.body, s.status, s.phone != "")
        for s in SmsMessage.objects.order_by("pk")
    ]
    return notes, sms


def _deliveries(users):
    return [
        NotifyDelivery(
            recipients=users,
            params={"item": f"R{n}", "due": "2026-11-30 19:00", "level": 1},
            url="/r/",
        )
        for n in range(3)
    ]


def test_notify_many_writes_what_one_notify_per_message_writes(
    users, django_capture_on_commit_callbacks
):
    # 3 messages x 2 instant-SMS users: the third SMS to each number in a minute is still
    # allowed (3 a minute), so add a fourth message to cross the limit
    deliveries = [*_deliveries(users), *_deliveries(users)[:1]]
    with django_capture_on_commit_callbacks() as one_by_one:
        for d in deliveries:
            notify(
                recipients=d.recipients,
                message="deadline.escalated",
                params=d.params,
                url=d.url,
                sms=True,
            )
    expected = _rows()
    Notification.objects.all().delete()
    SmsMessage.objects.all().delete()
    fresh = list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))
    fresh = [next(u for u in fresh if u.pk == user.pk) for user in users]
    batch = [NotifyDelivery(recipients=fresh, params=d.params, url=d.url) for d in deliveries]
    with django_capture_on_commit_callbacks() as bulk:
        assert notify_many(message="deadline.escalated", deliveries=batch, sms=True) == 16
    assert _rows() == expected
    statuses = [s for *_x, s, _p in expected[1]]
    assert statuses.count(SmsStatus.RATE_LIMITED) == 2  # the fourth to each number
    assert len(bulk) == len(one_by_one) == 6  # one delivery job per pending SMS
    # the SMS dedup key is the notification's id, as notify writes it
    assert sorted(SmsMessage.objects.values_list("dedup_key", flat=True)) == sorted(
        f"n{pk}"
        for pk in Notification.objects.filter(recipient__in=fresh[:2]).values_list("pk", flat=True)
    )


def test_sms_queue_many_counts_logged_rows_and_returns_existing_dedup_rows(users):
    earlier = sms_queue(
        phone="13800000001",
        message="digest.daily",
        params={"count": 1},
        language="zh-hans",
        dedup_key="d-1",
    )
    rows = sms_queue_many(
        [
            QueuedSms(
                phone="13800000001",
                message="digest.daily",
                params={"count": 2},
                language="zh-hans",
                dedup_key="d-1",
            ),
            QueuedSms(
                phone="13800000001", message="digest.daily", params={"count": 3}, language="zh-hans"
            ),
            QueuedSms(
                phone="13800000001", message="digest.daily", params={"count": 4}, language="zh-hans"
            ),
            QueuedSms(
                phone="13800000001", message="digest.daily", params={"count": 5}, language="zh-hans"
            ),
            QueuedSms(
                phone="13800000009", message="digest.daily", params={"count": 6}, language="zh-hans"
            ),
        ]
    )
    assert rows[0].pk == earlier.pk
    assert [r.status for r in rows[1:]] == [
        SmsStatus.PENDING,
        SmsStatus.PENDING,
        SmsStatus.RATE_LIMITED,  # 3 a minute: the logged one and two of this batch
        SmsStatus.PENDING,
    ]
    assert SmsMessage.objects.count() == 5
