"""The sealer: chain positions in id order, rating content hashes in batches, day heads."""

import datetime as dt

import pytest
import time_machine

from haochaping.audit.hashing import (
    RATING_FIELDS,
    batch_digest,
    range_ids,
    rating_hashes,
    record_hash,
)
from haochaping.audit.models import GENESIS_HASH, AuditRecord, ChainState, DayHead
from haochaping.audit.sealer import RATINGS_SEALED, ChainBroken, audit_reanchor, audit_seal
from haochaping.core.clock import LOCAL_TZ
from haochaping.org.enums import RegionLevel
from haochaping.org.services import region_create
from haochaping.ratings.models import Rating

pytestmark = pytest.mark.django_db


def _chain():
    return list(AuditRecord.objects.order_by("seq"))


def test_rows_are_chained_in_id_order_from_the_genesis_hash(org_tree):
    # when
    result = audit_seal()
    # then: every row sealed, seq 1..n in id order, each hash over its predecessor
    rows = _chain()
    assert result.rows == len(rows) > 10
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    prev = GENESIS_HASH
    for row in rows:
        assert row.prev_hash == prev
        assert row.hash == record_hash(prev, row)
        prev = row.hash
    state = ChainState.objects.get(pk=1)
    assert (
        (state.seq, state.hash)
        == (rows[-1].seq, rows[-1].hash)
        == (result.head_seq, result.head_hash)
    )


def test_a_later_pass_continues_the_chain_and_moves_the_day_head(org_tree):
    # given
    with time_machine.travel(dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC), tick=False):
        first = audit_seal()
    # when: a write the next (local) day
    with time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC), tick=False):
        region_create(code="540123", name="尼木县", level=RegionLevel.COUNTY, parent=org_tree.lhasa)
        second = audit_seal()
    # then
    assert second.rows == 1 and second.head_seq == first.head_seq + 1
    heads = {h.day.isoformat(): (h.seq, h.hash) for h in DayHead.objects.all()}
    assert heads == {
        "2026-11-27": (first.head_seq, first.head_hash),
        "2026-11-28": (second.head_seq, second.head_hash),
    }
    assert dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC).astimezone(LOCAL_TZ).day == 27


def test_ratings_get_a_content_hash_and_one_batch_row(rate):
    # given: two through the service, one written without signals (as the COPY import does)
    ratings = [rate(), rate()]
    bulk = Rating.objects.get(pk=ratings[1].pk)
    bulk.pk, bulk.case, bulk.receipt, bulk.idempotency_key = None, None, "BULK00000001", ""
    Rating.objects.bulk_create([bulk])
    # when
    result = audit_seal()
    # then
    assert result.ratings == 3 and result.batches == 1
    fields = (*RATING_FIELDS, "content_hash", "identity_hash")
    stored = {v["id"]: v for v in Rating.objects.values(*fields)}
    assert all((v["content_hash"], v["identity_hash"]) == rating_hashes(v) for v in stored.values())
    (batch,) = AuditRecord.objects.filter(action=RATINGS_SEALED)
    assert sorted(range_ids(batch.changes["ids"])) == sorted(stored)
    assert batch.changes["count"] == 3
    assert batch.changes["digest"] == batch_digest(
        (i, v["content_hash"]) for i, v in stored.items()
    )
    assert batch.seq is not None
    # and a second pass finds nothing new
    assert audit_seal().ratings == 0


def test_the_content_hash_is_over_the_plaintext_identifiers(rate):
    # given
    rating = rate()
    audit_seal()
    # when
    fields = (*RATING_FIELDS, "content_hash", "identity_hash")
    values = Rating.objects.filter(pk=rating.pk).values(*fields)[0]
    # then: the hash covers the decrypted ID number and mobile, so re-encryption keeps it
    assert values["evaluator_mobile"] == "13900000000"
    assert (values["content_hash"], values["identity_hash"]) == rating_hashes(values)


def test_small_passes_seal_a_backlog_completely(org_tree, rate):
    for _ in range(3):
        rate()
    result = audit_seal(max_rows=4, max_ratings=2)
    assert result.ratings == 3 and result.batches == 2
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()
    assert not Rating.objects.filter(content_hash="").exists()


def test_the_sealer_refuses_to_extend_a_truncated_chain_until_reanchored(org_tree):
    # given
    head = audit_seal().head_seq
    AuditRecord.objects.filter(seq__gt=head - 2).delete()
    region_create(code="540123", name="尼木县", level=RegionLevel.COUNTY, parent=org_tree.lhasa)
    # when / then
    with pytest.raises(
        ChainBroken, match=f"the chain head is seq {head} but the last row is seq {head - 2}"
    ):
        audit_seal()
    assert AuditRecord.objects.filter(seq__isnull=True).count() == 1
    # when: an operator re-anchors after investigating
    row = audit_reanchor(reason="rows lost in restore, ticket 42")
    result = audit_seal()
    # then
    assert row.changes["old_head"]["seq"] == head and row.changes["new_head"] == {"seq": head - 2}
    assert result.head_seq == head  # continues from head - 2: the region row and the re-anchor row
