"""Real processes on loopback: relay subprocesses (``haochaping dataout-relay``) on the test
database and the fake platform as a subprocess (``haochaping fake-platform``). Every assertion
about "exactly once" is made at the platform's own store."""

from __future__ import annotations

import signal
import sqlite3
from collections import defaultdict

import pytest

from haochaping.accounts.enums import Role
from haochaping.dataout.enums import AttemptOutcome, MessageStatus, Topic
from haochaping.dataout.models import OutboxAttempt, OutboxMessage
from haochaping.dataout.tests.conftest import free_port, rate, wait_for
from haochaping.ratings.enums import Level
from haochaping.rectification import services as rect
from haochaping.rectification.models import Rectification
from haochaping.testing.builders import make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def make_load(tree, *, good: int, bad: int) -> None:
    """``good`` ratings, and ``bad`` bad reviews each contacted and fixed at once (3 records)."""
    handler = make_user("h-load", Role.HANDLER, scope_unit=tree.police)
    for _ in range(good):
        rate(tree)
    for _ in range(bad):
        rating = rate(tree, level=Level.VERY_DISSATISFIED)
        r = Rectification.objects.get(rating=rating)
        rect.rectification_contact(rectification_id=r.pk, note="已联系", acting_user=handler)
        rect.rectification_fix_at_once(rectification_id=r.pk, note="立行立改", acting_user=handler)


def all_delivered() -> bool:
    return not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists()


def platform_sql(data_dir, sql: str) -> list[tuple]:
    db = sqlite3.connect(str(data_dir / "fake-platform.sqlite3"))
    try:
        return list(db.execute(sql))
    finally:
        db.close()


def assert_exactly_once_and_in_case_order(platform, data_dir) -> list[dict]:
    stored = platform.records()
    ids = list(OutboxMessage.objects.order_by("id").values_list("record_id", flat=True))
    # every record arrived, and the platform holds one copy of each
    assert sorted(s["recordId"] for s in stored) == sorted(ids)
    assert len({s["recordId"] for s in stored}) == len(stored)
    # per case, the platform received them in the order they were queued
    by_case: dict[str, list[str]] = defaultdict(list)
    for s in sorted(stored, key=lambda s: s["seq"]):
        by_case[s["projectNo"]].append(s["recordId"])
    queued: dict[str, list[str]] = defaultdict(list)
    for rid, payload in OutboxMessage.objects.order_by("id").values_list("record_id", "payload"):
        queued[payload["project_no"]].append(rid)
    assert by_case == queued
    assert platform_sql(data_dir, "SELECT COUNT(*) FROM requests WHERE status = 409") == [(0,)]
    return stored


def test_platform_down_for_a_whole_load_run_then_back_gets_everything_exactly_once(
    org_tree, processes, tmp_path
):
    # given two relays and a platform that is not there
    port = free_port()
    processes.relay(port, "--worker-id", "relay-a")
    processes.relay(port, "--worker-id", "relay-b")

    # when a load run happens while it is down
    make_load(org_tree, good=120, bad=15)
    total = OutboxMessage.objects.count()
    assert total == 120 + 15 * 3
    wait_for(
        lambda: not OutboxMessage.objects.filter(topic=Topic.RATING, attempts=0).exists(),
        timeout=60,
        what="every rating to have failed at least once",
        logs=processes.logs,
    )
    assert OutboxMessage.objects.filter(status=MessageStatus.DELIVERED).count() == 0
    assert (
        OutboxMessage.objects.filter(topic=Topic.RECTIFICATION, attempts__gt=0).count() == 0
    )  # held back

    # and the platform comes back
    data_dir = tmp_path / "platform"
    _proc, platform = processes.platform(port, data_dir)
    wait_for(all_delivered, timeout=90, what="everything to be delivered", logs=processes.logs)

    # then the platform has every record exactly once, each case in order
    assert_exactly_once_and_in_case_order(platform, data_dir)
    assert platform.stats()["duplicates"] == 0
    assert OutboxAttempt.objects.filter(outcome=AttemptOutcome.DELIVERED).count() == total
    failed = OutboxAttempt.objects.filter(outcome=AttemptOutcome.RETRY)
    assert failed.filter(error__startswith="ConnectionRefusedError").exists()


def test_a_relay_killed_mid_delivery_loses_nothing_and_applies_nothing_twice(
    org_tree, processes, tmp_path
):
    # given a slow platform, 40 ratings and one relay sending one at a time
    data_dir = tmp_path / "platform"
    port = free_port()
    _proc, platform = processes.platform(port, data_dir)
    platform.control(slow=0.3)
    make_load(org_tree, good=40, bad=0)
    first = processes.relay(
        port, "--worker-id", "relay-killed", "--concurrency", "1", "--batch-size", "8"
    )

    # when it is killed with SIGKILL while records the platform already stored are unacknowledged
    def stored_but_unacknowledged() -> set[str]:
        sending = set(
            OutboxMessage.objects.filter(status=MessageStatus.SENDING).values_list(
                "record_id", flat=True
            )
        )
        return sending & {s["recordId"] for s in platform.records()}

    in_flight = wait_for(
        lambda: len(stored_but_unacknowledged()) >= 2 and stored_but_unacknowledged(),
        timeout=60,
        what="records stored at the platform but not yet acknowledged",
        logs=processes.logs,
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    platform.control(slow=0)
    processes.relay(port, "--worker-id", "relay-second")
    wait_for(all_delivered, timeout=90, what="everything to be delivered", logs=processes.logs)

    # then nothing is lost and nothing is applied twice: one stored copy per record id
    stored = assert_exactly_once_and_in_case_order(platform, data_dir)
    deliveries = {s["recordId"]: s["deliveries"] for s in stored}
    assert all(deliveries[rid] == 2 for rid in in_flight)  # sent again, recognised as duplicates
    for rid in in_flight:
        m = OutboxMessage.objects.get(record_id=rid)
        assert m.platform_reply == "duplicate"
        log = list(
            OutboxAttempt.objects.filter(message=m).order_by("id").values_list("outcome", "worker")
        )
        assert log[0] == (AttemptOutcome.LOST, "relay-second")
        assert log[-1] == (AttemptOutcome.DUPLICATE, "relay-second")
    assert sum(deliveries.values()) - len(deliveries) == platform.stats()["duplicates"]


def test_two_relays_never_deliver_the_same_record_twice_and_keep_case_order(
    org_tree, processes, tmp_path
):
    # given a platform and a load with rectification results queued behind their ratings
    data_dir = tmp_path / "platform"
    port = free_port()
    _proc, platform = processes.platform(port, data_dir)
    make_load(org_tree, good=150, bad=15)
    total = OutboxMessage.objects.count()

    # when two relays drain the outbox and exit (this test is about claims, not timeouts: a
    # 1 s request timeout on a loaded CI machine makes a retry, and a --batch relay exits while
    # the retry waits; timeouts and retries have their own tests above)
    patient = {
        "HAOCHAPING_DATAOUT_TIMEOUT_SECONDS": "30",
        "HAOCHAPING_DATAOUT_LEASE_SECONDS": "60",
    }
    # Each delivery takes 0.15 s, so one relay alone needs ~6 s for the load: longer than the
    # two processes' start-up can differ on a loaded machine, so both take part.
    platform.control(slow=0.15)
    procs = [
        processes.relay(
            port,
            "--batch",
            "--worker-id",
            name,
            "--batch-size",
            "10",
            "--concurrency",
            "4",
            env=patient,
        )
        for name in ("relay-a", "relay-b")
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, processes.logs()

    # then each record was sent once, by one of them, and both took part
    assert all_delivered(), (
        list(
            OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).values(
                "id", "status", "attempts", "last_error"
            )
        ),
        processes.logs(),
    )
    assert_exactly_once_and_in_case_order(platform, data_dir)
    assert platform.stats() == {
        "records": total,
        "deliveries": total,
        "duplicates": 0,
        "requests": total,
    }
    attempts = list(OutboxAttempt.objects.values_list("message_id", "outcome", "worker"))
    assert len(attempts) == total
    assert {outcome for _m, outcome, _w in attempts} == {AttemptOutcome.DELIVERED}
    assert {w for _m, _o, w in attempts} == {"relay-a", "relay-b"}
