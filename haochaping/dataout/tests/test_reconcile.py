"""The daily reconciliation against the fake platform, the batch file, and the backfill."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haochaping.accounts.enums import Role
from haochaping.core.clock import LOCAL_TZ, now
from haochaping.dataout.adapters import get_adapter
from haochaping.dataout.adapters.base import canonical_json, day_hash, record_hash
from haochaping.dataout.delivery import outbox_drain
from haochaping.dataout.enums import AuditAction, MessageStatus, ReconcileStatus, Topic
from haochaping.dataout.models import AuditEntry, OutboxMessage, ReconciliationRun
from haochaping.dataout.reconcile import reconcile_day
from haochaping.dataout.tests.conftest import rate
from haochaping.notifications.models import Notification
from haochaping.ratings.enums import Level
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def today_local() -> dt.date:
    return now().astimezone(LOCAL_TZ).date()


def by_topic(runs) -> dict[str, ReconciliationRun]:
    return {r.topic: r for r in runs}


def test_a_day_delivered_in_full_matches_the_platform(org_tree, platform):
    # given
    for _ in range(3):
        rate(org_tree)
    outbox_drain()
    day = today_local()

    # when
    runs = by_topic(reconcile_day(day=day))

    # then counts and the day hash agree, for ratings and (empty) other topics
    run = runs[Topic.RATING]
    assert (run.status, run.local_count, run.platform_count) == (ReconcileStatus.MATCH, 3, 3)
    assert run.local_hash == run.platform_hash
    assert runs[Topic.RECTIFICATION].status == ReconcileStatus.MATCH
    assert runs[Topic.RECTIFICATION].local_count == 0
    assert AuditEntry.objects.get(action=AuditAction.RECONCILE).detail["results"] == {
        "rating": "match",
        "rating_excluded": "match",
        "rectification": "match",
    }


def test_records_the_platform_lost_are_reported_alerted_and_sent_again(org_tree, platform):
    # given three delivered ratings, then the platform loses its data, and one is still waiting
    admin = make_user("admin", Role.ADMIN)
    for _ in range(3):
        rate(org_tree)
    outbox_drain()
    platform.reset(data=True)
    waiting = rate(org_tree)
    day = today_local()

    # when
    run = by_topic(reconcile_day(day=day))[Topic.RATING]

    # then the difference is named, the delivered ones are queued again, the admin is told
    delivered_ids = sorted(
        OutboxMessage.objects.exclude(source_id=waiting.pk).values_list("record_id", flat=True)
    )
    assert run.status == ReconcileStatus.DIFFERENT
    assert (run.local_count, run.platform_count) == (4, 0)
    assert run.details["missing_at_platform"] == sorted([*delivered_ids, f"R-{waiting.receipt}"])
    assert run.details["not_yet_delivered"] == [f"R-{waiting.receipt}"]
    assert run.details["requeued"] == delivered_ids
    assert run.details["counts"]["unknown_here"] == 0
    assert OutboxMessage.objects.filter(status=MessageStatus.PENDING).count() == 4
    note = Notification.objects.get(recipient=admin, message="dataout.reconcile_different")
    assert note.params == {
        "day": day.isoformat(),
        "topic": "rating",
        "local": 4,
        "platform": 0,
        "missing": 4,
        "unknown": 0,
        "changed": 0,
    }
    assert AuditEntry.objects.filter(action=AuditAction.RESEND).count() == 3

    # when they are delivered and the day is reconciled again
    outbox_drain()
    again = by_topic(reconcile_day(day=day))[Topic.RATING]

    # then
    assert (again.status, again.platform_count) == (ReconcileStatus.MATCH, 4)


def test_a_platform_that_cannot_be_reached_gives_an_error_run(org_tree, settings):
    settings.HAOCHAPING_DATAOUT = {
        **settings.HAOCHAPING_DATAOUT,
        "PLATFORM_URL": "http://127.0.0.1:9",
    }
    rate(org_tree)

    run = by_topic(reconcile_day(day=today_local(), topics=[Topic.RATING]))[Topic.RATING]

    assert run.status == ReconcileStatus.ERROR
    assert run.details["error"].startswith("ConnectionRefusedError")


def test_the_daily_batch_file_holds_the_records_and_a_manifest(org_tree, settings, tmp_path):
    # given a platform that wants files
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "BATCH_FILE_DIR": str(tmp_path)}
    ratings = [rate(org_tree, level=level) for level in (Level.SATISFIED, Level.BASIC)]
    day = today_local()

    # when
    call_command("dataout_reconcile", "--day", day.isoformat(), "--batch-file")

    # then one JSON record per line, in record id order, as they would be POSTed
    lines = (tmp_path / f"tibet_v1-rating-{day}.jsonl").read_bytes().splitlines()
    bodies = [json.loads(line) for line in lines]
    assert [b["recordId"] for b in bodies] == sorted(f"R-{r.receipt}" for r in ratings)
    assert sorted(b["satisfaction"] for b in bodies) == [3, 4]
    assert lines == [canonical_json(b) for b in bodies]
    manifest = json.loads((tmp_path / f"tibet_v1-rating-{day}.jsonl.manifest.json").read_text())
    assert manifest["count"] == 2
    assert manifest["hash"] == day_hash({b["recordId"]: record_hash(b) for b in bodies})
    assert ReconciliationRun.objects.get(topic=Topic.RATING).status == ReconcileStatus.FILE_WRITTEN


def test_the_command_fails_when_days_differ(org_tree, platform):
    rate(org_tree)  # never delivered

    with pytest.raises(CommandError, match="differences found"):
        call_command("dataout_reconcile", "--day", today_local().isoformat(), "--no-resend")


def test_ratings_without_a_message_are_backfilled(org_tree, platform, settings):
    # given ratings stored while the push was off (as rows written by raw SQL would be)
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "ENABLED": False}
    ratings = [rate(org_tree), rate(org_tree)]
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "ENABLED": True}
    assert OutboxMessage.objects.count() == 0

    # when the day of their receipt is reconciled
    run = by_topic(reconcile_day(day=today_local(), resend_missing=False))[Topic.RATING]

    # then they are queued and reported as not yet delivered
    assert sorted(OutboxMessage.objects.values_list("source_id", flat=True)) == sorted(
        r.pk for r in ratings
    )
    assert run.details["counts"]["not_yet_delivered"] == 2
    assert AuditEntry.objects.get(action=AuditAction.RECONCILE).detail["backfilled"] == 2


def test_the_local_side_hashes_exactly_what_is_sent(org_tree, platform):
    rate(org_tree)
    outbox_drain()
    m = OutboxMessage.objects.get()

    body = get_adapter().build(topic=m.topic, record_id=m.record_id, payload=m.payload).body

    [stored] = platform.records()
    assert stored["hash"] == record_hash(body)
    assert m.attempt_log.get().body_sha256 == record_hash(body)
