"""Delivery against the fake platform (a real HTTP server on loopback, in a thread)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.accounts.enums import Role
from haochaping.core.clock import now
from haochaping.dataout import records, services
from haochaping.dataout.delivery import Deliverer, backoff_delay, outbox_drain
from haochaping.dataout.enums import AttemptOutcome, MessageStatus, Topic
from haochaping.dataout.models import OutboxAttempt, OutboxMessage
from haochaping.dataout.tests.conftest import completed_case, rate
from haochaping.notifications.models import Notification
from haochaping.ratings.enums import Level
from haochaping.rectification import services as rect
from haochaping.rectification.models import Rectification
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def outcomes(message: OutboxMessage) -> list[str]:
    return list(
        OutboxAttempt.objects.filter(message=message)
        .order_by("id")
        .values_list("outcome", flat=True)
    )


def test_a_rating_reaches_the_platform_as_a_national_style_record(org_tree, platform):
    # given
    case = completed_case(org_tree)
    rating = rate(
        org_tree,
        case=case,
        level=Level.VERY_DISSATISFIED,
        option_codes=["113"],
        text="多头跑",
        evaluator_cert_no="",
    )

    # when
    report = outbox_drain()

    # then
    counts = {k: v for k, v in report.as_dict().items() if not k.endswith("_ms")}
    assert counts == {
        "claimed": 1,
        "delivered": 1,
        "duplicates": 0,
        "retried": 0,
        "dead": 0,
        "lost": 0,
        "stale": 0,
    }
    [stored] = platform.records("evaluations")
    body = stored["body"]
    assert stored["recordId"] == f"R-{rating.receipt}"
    assert body["projectNo"] == case.project_no
    assert body["satisfaction"] == 1  # 1 = 非常不满意 on the 好差评 interface
    assert body["pf"] == "4"
    assert body["evalDetail"] == "113"
    assert body["areaCode"] == "540100"
    assert body["deptCode"] == org_tree.police.credit_code
    assert body["taskCode"] == case.item.task_code
    assert body["assessTime"] == rating.assessed_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))
    ).strftime("%Y-%m-%d %H:%M:%S")
    assert body["dataSource"] == "1"
    m = OutboxMessage.objects.get()
    assert (m.status, m.attempts, m.platform_reply) == (MessageStatus.DELIVERED, 1, "accepted")
    assert outcomes(m) == [AttemptOutcome.DELIVERED]


def test_a_failing_platform_gets_retries_with_backoff_then_the_record(org_tree, platform):
    # given a platform that fails twice
    rate(org_tree)
    platform.control(fail={"status": 503, "count": 2})
    t0 = now()

    with time_machine.travel(t0, tick=False) as clock:
        # when the first attempt fails
        first = outbox_drain()
        m = OutboxMessage.objects.get()

        # then it waits between half and all of the base delay (10 s here)
        assert first.retried == 1
        assert m.status == MessageStatus.PENDING
        assert 5 <= (m.next_attempt_at - t0).total_seconds() <= 10
        assert m.last_error == '{"code": "E_UNAVAILABLE", "msg": "try later"}'
        assert outbox_drain().claimed == 0  # not due yet

        # when time passes, the second fails (20 s nominal), the third is delivered
        clock.shift(10.1)
        assert outbox_drain().retried == 1
        m.refresh_from_db()
        assert 10 <= (m.next_attempt_at - now()).total_seconds() <= 20
        clock.shift(20.1)
        assert outbox_drain().delivered == 1

    m.refresh_from_db()
    assert m.status == MessageStatus.DELIVERED
    assert outcomes(m) == [AttemptOutcome.RETRY, AttemptOutcome.RETRY, AttemptOutcome.DELIVERED]
    assert list(OutboxAttempt.objects.filter(message=m).values_list("http_status", flat=True)) == [
        503,
        503,
        200,
    ]
    assert platform.stats()["records"] == 1


def test_after_max_attempts_a_message_is_dead_lettered_admins_are_told_and_its_case_waits(
    org_tree, platform
):
    # given a platform that is down, a bad review (whose later result waits behind it) and an admin
    admin = make_user("admin", Role.ADMIN)
    handler = make_user("h-police", Role.HANDLER, scope_unit=org_tree.police)
    rating = rate(org_tree, level=Level.VERY_DISSATISFIED)
    r = Rectification.objects.get(rating=rating)
    rect.rectification_contact(rectification_id=r.pk, note="已联系", acting_user=handler)
    platform.control(fail={"status": 500, "count": -1})
    first, second = OutboxMessage.objects.order_by("id")

    # when four attempts (MAX_ATTEMPTS) fail
    with time_machine.travel(now(), tick=False) as clock:
        for _ in range(4):
            outbox_drain()
            clock.shift(3600)

    # then the rating's message is dead, the admin has an alert, the later result never left
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MessageStatus.DEAD
    assert first.attempts == 4
    assert outcomes(first) == [AttemptOutcome.RETRY] * 3 + [AttemptOutcome.DEAD]
    assert (second.status, second.attempts) == (MessageStatus.PENDING, 0)
    note = Notification.objects.get(recipient=admin)
    assert note.message == "dataout.dead_letter"
    assert note.params["record"] == first.record_id
    assert note.params["attempts"] == 4

    # when the platform is back and an operator retries it
    platform.reset()
    services.message_retry(message_id=first.pk, acting_user=admin)
    outbox_drain()

    # then both go, in order
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (MessageStatus.DELIVERED, MessageStatus.DELIVERED)
    assert [s["recordId"] for s in platform.records()] == [first.record_id, second.record_id]


def test_a_record_the_platform_refuses_is_dead_lettered_at_once(org_tree, platform):
    # given a record with a malformed unit code (the platform validates strictly)
    rating = rate(org_tree)
    OutboxMessage.objects.all().delete()
    record_id, key, at, payload = records.rating_record(rating)
    payload["unit_credit_code"] = "NOT-A-CREDIT-CODE"
    services.outbox_enqueue(
        topic=Topic.RATING, source_id=rating.pk, record=(record_id, key, at, payload)
    )

    # when
    report = outbox_drain()

    # then
    assert report.dead == 1
    m = OutboxMessage.objects.get()
    assert m.status == MessageStatus.DEAD
    assert outcomes(m) == [AttemptOutcome.REJECTED]
    assert '"deptCode": ["must be an 18-character unified social credit code"]' in m.last_error
    assert platform.stats()["records"] == 0


def test_an_answer_lost_after_the_platform_stored_the_record_is_harmless(org_tree, platform):
    # given a platform that stores the next record and then drops the connection
    rate(org_tree)
    platform.control(drop=1)

    with time_machine.travel(now(), tick=False) as clock:
        assert outbox_drain().retried == 1
        clock.shift(11)
        report = outbox_drain()

    # then the second delivery is recognised as a duplicate: one record at the platform
    assert report.duplicates == 1
    m = OutboxMessage.objects.get()
    assert (m.status, m.platform_reply) == (MessageStatus.DELIVERED, "duplicate")
    [stored] = platform.records()
    assert stored["deliveries"] == 2


def test_a_platform_that_answers_twice_does_not_confuse_delivery(org_tree, platform):
    # given a platform that writes every answer twice on the keep-alive connection
    for _ in range(6):
        rate(org_tree)
    platform.control(twice=True)
    deliverer = Deliverer(concurrency=1, batch_size=10)

    # when
    with time_machine.travel(now(), tick=False) as clock:
        for _ in range(10):
            deliverer.round()
            clock.shift(3600)
    deliverer.close()

    # then every record is delivered, and the platform has each once
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.DELIVERED}
    stored = platform.records()
    assert sorted(s["recordId"] for s in stored) == sorted(
        OutboxMessage.objects.values_list("record_id", flat=True)
    )
    mismatches = OutboxAttempt.objects.filter(error__startswith="answer does not match the request")
    assert mismatches.exists()  # the stray second answer was caught, not taken for another record


def test_a_batch_takes_only_the_first_undelivered_message_of_each_case(org_tree, platform):
    # given a bad review with two results queued behind it, and a good rating of another case
    handler = make_user("h-police", Role.HANDLER, scope_unit=org_tree.police)
    bad = rate(org_tree, level=Level.VERY_DISSATISFIED)
    r = Rectification.objects.get(rating=bad)
    rect.rectification_contact(rectification_id=r.pk, note="已联系", acting_user=handler)
    rect.rectification_fix_at_once(rectification_id=r.pk, note="立行立改", acting_user=handler)
    other = rate(org_tree)
    deliverer = Deliverer(concurrency=4, batch_size=50)

    # when three rounds run
    claimed = []
    for _ in range(3):
        _token, rows, _report = deliverer.claim()
        claimed.append([m.record_id for m in rows])
        deliverer.finish(_token, [deliverer._send_one(m) for m in rows])
    deliverer.close()

    # then each round took one message of the bad review's case, in order
    results = list(
        OutboxMessage.objects.filter(topic=Topic.RECTIFICATION)
        .order_by("id")
        .values_list("record_id", flat=True)
    )
    assert claimed == [[f"R-{bad.receipt}", f"R-{other.receipt}"], [results[0]], [results[1]]]
    assert [s["recordId"] for s in platform.records()] == [
        f"R-{bad.receipt}",
        f"R-{other.receipt}",
        results[0],
        results[1],
    ]


def test_claiming_uses_skip_locked_on_postgresql(org_tree, platform):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claims with its single writer")
    rate(org_tree)
    deliverer = Deliverer()
    with CaptureQueriesContext(connection) as queries:
        deliverer.claim()
    deliverer.close()
    claims = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(claims) == 1
    assert "FOR UPDATE SKIP LOCKED" in claims[0]
    assert "NOT (EXISTS(" in claims[0] or "NOT EXISTS" in claims[0]


@pytest.mark.parametrize("attempt", range(1, 15))
def test_backoff_grows_exponentially_with_jitter_and_a_cap(attempt):
    rng = random.Random(attempt)
    delays = [backoff_delay(attempt, base=5, cap=3600, rng=rng) for _ in range(200)]
    nominal = min(3600, 5 * 2 ** (attempt - 1))
    assert all(nominal / 2 <= d <= nominal for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # jittered, not one value
