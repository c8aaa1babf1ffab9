"""``core.bulk``: rows inserted in bulk come out as ``bulk_create`` writes them, and their save
signals reach every receiver, batch-aware or not, inside the caller's savepoint."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import post_save

from haochaping.accounts.enums import Role
from haochaping.audit.models import AuditRecord
from haochaping.core import bulk
from haochaping.core.clock import now
from haochaping.notifications.enums import SmsStatus
from haochaping.notifications.models import SmsMessage
from haochaping.org.enums import RegionLevel
from haochaping.org.models import Region
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


AT = now()


def _sms(n: int, key: str) -> list[SmsMessage]:
    at = AT
    return [
        SmsMessage(
            created_at=at,
            phone=f"1390000{k:04d}",
            phone_masked="139****0000",
            phone_hash=f"h{k}",
            message="appeals.notice",
            language="bo" if k % 2 else "zh-hans",
            body=f'通知 "{k}" \\ tab\there, newline\nhere',
            dedup_key=f"{key}{k}",
        )
        for k in range(n)
    ]


def _stored(model, objs) -> list[dict]:
    """The rows, without their ids and the SMS's (unique) dedup key."""
    rows = model.objects.filter(pk__in=[o.pk for o in objs]).order_by("pk").values()
    return [{k: v for k, v in row.items() if k not in {"id", "dedup_key"}} for row in rows]


def test_insert_writes_what_bulk_create_writes(org_tree):
    # given the same rows twice: text with quotes, backslashes, tabs and newlines, an encrypted
    # field, and JSON
    a, b = _sms(5, "a"), _sms(5, "b")
    changes = {"values": {"note": 'a "quoted" \\ value', "n": [1, 2.5, None], "藏": "བོད"}}
    audit_a = [
        AuditRecord(
            created_at=AT, actor="system", action="create", object_type="x", changes=changes
        )
        for _k in range(3)
    ]
    audit_b = [
        AuditRecord(
            created_at=AT, actor="system", action="create", object_type="x", changes=changes
        )
        for _k in range(3)
    ]
    # ... one of each sent to a user (a foreign key), one already sent (more field types)
    user = make_user("bulk-user", Role.HANDLER, scope_unit=org_tree.police)
    for rows in (a, b):
        rows[1].user = user
        rows[2].status, rows[2].attempts, rows[2].sent_at = SmsStatus.SENT, 2, AT
    # when one copy goes through bulk_create and the other through bulk.insert
    SmsMessage.objects.bulk_create(a)
    AuditRecord.objects.bulk_create(audit_a)
    bulk.insert(b)
    bulk.insert(audit_b)
    # then the stored rows are the same, field by field (the encrypted number reads back)
    assert _stored(SmsMessage, b) == _stored(SmsMessage, a)
    assert _stored(AuditRecord, audit_b) == _stored(AuditRecord, audit_a)
    assert SmsMessage.objects.get(pk=b[3].pk).phone == "13900000003"
    # ... and the objects have their ids, in order, after those of bulk_create
    ids = [o.pk for o in b]
    assert ids == sorted(ids) and ids[0] > a[-1].pk and len(set(ids)) == 5
    assert all(not o._state.adding and o._state.db == "default" for o in b)
    # ... and a row saved afterwards gets the next free id
    later = _sms(1, "later")[0]
    later.save()
    assert later.pk > ids[-1]
    assert bulk.insert([]) is None


def _regions(n: int, parent: Region) -> list[Region]:
    return [
        Region(
            code=f"5401{90 + k}",
            name=f"测试区{k}",
            level=RegionLevel.COUNTY,
            parent=parent,
            path=f"{parent.path}5401{90 + k}/",
        )
        for k in range(n)
    ]


def _audit_rows(objs) -> list[tuple]:
    return list(
        AuditRecord.objects.filter(
            object_type="org.region", object_id__in=[str(o.pk) for o in objs]
        )
        .order_by("pk")
        .values_list("action", "object_id", "object_repr", "changes")
    )


def test_send_post_save_reaches_every_receiver_once(org_tree):
    # given a receiver that knows nothing of batches, on an audited model
    seen = []

    def plain(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(plain, sender=Region, dispatch_uid="test-plain")
    try:
        regions = _regions(3, org_tree.lhasa)
        # when they are inserted in bulk and their signals sent
        bulk.send_pre_save(regions)
        bulk.insert(regions)
        bulk.send_post_save(regions)
        # then the plain receiver saw each row once, as created
        assert seen == [(r.pk, True) for r in regions]
        # ... and the audit trail's batch receiver wrote one "create" row each, the same rows
        # Model.save writes (compared with a region saved one by one)
        rows = _audit_rows(regions)
        assert [(action, oid) for action, oid, _r, _c in rows] == [
            ("create", str(r.pk)) for r in regions
        ]
        single = _regions(1, org_tree.lhasa)[0]
        single.code, single.name, single.path = "540199", "单个", "/540000/540100/540199/"
        single.save()
        (row,) = _audit_rows([single])
        assert set(row[3]["values"]) == set(rows[0][3]["values"])
        # ... and a later save of a bulk row is audited as an update (the batch mark is spent)
        regions[0].name = "改名"
        regions[0].save()
        assert [a for a, *_rest in _audit_rows([regions[0]])] == ["create", "update"]
    finally:
        post_save.disconnect(dispatch_uid="test-plain", sender=Region)


def test_a_rolled_back_savepoint_takes_the_batch_side_rows_with_it(org_tree):
    # given rows inserted in bulk inside a savepoint that fails, its error swallowed
    regions = _regions(2, org_tree.lhasa)
    try:
        with transaction.atomic():
            bulk.insert(regions)
            bulk.send_post_save(regions)
            assert len(_audit_rows(regions)) == 2
            raise RuntimeError("a later step fails")
    except RuntimeError:
        pass
    # then neither the rows nor their audit rows remain
    assert not Region.objects.filter(pk__in=[r.pk for r in regions]).exists()
    assert _audit_rows(regions) == []


def test_reverser_gives_what_reverse_gives():
    from django.urls import reverse

    url = bulk.reverser("rectification:detail")
    for pk in (1, 42, 9_876_543_210, 10**12):
        assert url(pk) == reverse("rectification:detail", args=[pk])
