"""`audit verify` names each change or deletion of audit rows and ratings.

Tampering is done the way an intruder with database access would: raw SQL, no signals.
"""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from haochaping.audit.hashing import record_hash
from haochaping.audit.models import AuditRecord, DayHead
from haochaping.audit.sealer import audit_seal
from haochaping.audit.verify import audit_verify
from haochaping.core import crypto
from haochaping.core.clock import now
from haochaping.org.enums import RegionLevel
from haochaping.org.services import region_create
from haochaping.ratings.enums import Level
from haochaping.ratings.models import Rating

pytestmark = pytest.mark.django_db


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def sealed(org_tree, rate):
    """Three sealed ratings in one batch, the org writes before them, all sealed."""
    ratings = [rate(), rate(Level.VERY_SATISFIED), rate(Level.BASIC)]
    result = audit_seal()
    batch = AuditRecord.objects.get(action="ratings.sealed")
    return ratings, result, batch


def kinds(report):
    return [(f.kind, f.message) for f in report.findings]


def test_an_untouched_trail_has_no_findings(sealed):
    report = audit_verify()
    assert report.ok, kinds(report)
    assert report.ratings == 3 and report.batches == 1 and report.rows == sealed[1].head_seq


def test_a_changed_rating_is_named(sealed):
    ratings, _, batch = sealed
    sql("UPDATE ratings_rating SET level = 'very_dissatisfied' WHERE id = %s", [ratings[1].pk])
    assert kinds(audit_verify()) == [
        (
            "rating_changed",
            f"rating id {ratings[1].pk} (receipt {ratings[1].receipt}) was changed after it was sealed",
        ),
        ("batch_changed", f"ratings sealed in seq {batch.seq} no longer match its digest"),
    ]


def test_a_rating_changed_with_its_hash_recomputed_is_caught_by_the_batch(sealed):
    ratings, _, batch = sealed
    rating = Rating.objects.get(pk=ratings[0].pk)
    sql("UPDATE ratings_rating SET level = 'basic', content_hash = '' WHERE id = %s", [rating.pk])
    # verify seals first: the changed rating is hashed again as if new
    assert kinds(audit_verify()) == [
        (
            "batch_changed",
            f"ratings sealed in seq {batch.seq} no longer match its digest; sealed again later: "
            f"rating ids [{rating.pk}]",
        )
    ]


def test_a_deleted_rating_is_named_but_a_deletion_through_the_application_is_not(sealed):
    ratings, _, batch = sealed
    sql("DELETE FROM integrity_fingerprint WHERE rating_id = %s", [ratings[0].pk])
    sql("DELETE FROM ratings_rating WHERE id = %s", [ratings[0].pk])
    Rating.objects.filter(pk=ratings[2].pk).delete()  # audited (signals)
    assert kinds(audit_verify()) == [
        ("rating_deleted", f"rating id {ratings[0].pk} was deleted (sealed in seq {batch.seq})")
    ]


def _old_rating(template, years: int) -> Rating:
    """A copy of ``template`` assessed ``years`` ago, written without signals (as an import)."""
    copy = Rating.objects.get(pk=template.pk)
    copy.pk, copy.case, copy.receipt, copy.content_hash = None, None, "OLD000000001", ""
    copy.assessed_at = copy.received_at = now() - dt.timedelta(days=365 * years + 2)
    (copy,) = Rating.objects.bulk_create([copy])
    return copy


def _blank_identity(rating) -> None:
    # what the retention job does: a queryset update, no signals
    Rating.objects.filter(pk=rating.pk).update(
        evaluator_name="", evaluator_cert_no="", evaluator_mobile=""
    )


def test_anonymisation_after_retention_is_not_a_finding_but_before_it_is(sealed):
    ratings, _, _ = sealed
    old = _old_rating(ratings[0], years=4)
    audit_seal()
    # when
    _blank_identity(old)
    _blank_identity(ratings[1])
    report = audit_verify()
    # then
    assert report.anonymised_ratings == 1
    assert kinds(report) == [
        (
            "identity_removed",
            f"the evaluator identity of rating id {ratings[1].pk} (receipt {ratings[1].receipt}) "
            "was removed before retention",
        )
    ]


def test_a_changed_evaluator_identity_is_named(sealed):
    ratings, _, _ = sealed
    Rating.objects.filter(pk=ratings[2].pk).update(evaluator_mobile="13911111111")
    assert kinds(audit_verify()) == [
        (
            "rating_changed",
            f"the evaluator identity of rating id {ratings[2].pk} (receipt {ratings[2].receipt}) "
            "was changed",
        )
    ]


def test_a_ciphertext_that_no_longer_decrypts_is_named_not_a_crash(sealed):
    ratings, _, _ = sealed
    sql(
        "UPDATE ratings_rating SET evaluator_cert_no = %s WHERE id = %s",
        [f"{crypto.PREFIX}x:AAAA", ratings[0].pk],
    )
    assert kinds(audit_verify()) == [
        (
            "rating_changed",
            f"the evaluator identity of rating id {ratings[0].pk} (receipt {ratings[0].receipt}) "
            "was changed",
        )
    ]


def test_a_changed_audit_row_is_named(sealed):
    row = AuditRecord.objects.get(seq=5)
    sql("UPDATE audit_auditrecord SET actor = 'user:1:admin' WHERE seq = 5")
    assert kinds(audit_verify()) == [
        (
            "row_changed",
            f"audit row seq 5 (id {row.pk}, {row.action} {row.object_type}:{row.object_id}) was "
            "changed: its content does not give its hash",
        )
    ]


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(sealed):
    row = AuditRecord.objects.get(seq=5)
    row.actor = "user:1:admin"
    sql(
        "UPDATE audit_auditrecord SET actor = %s, hash = %s WHERE seq = 5",
        [row.actor, record_hash(row.prev_hash, row)],
    )
    nxt = AuditRecord.objects.get(seq=6)
    assert kinds(audit_verify()) == [
        ("row_relinked", f"audit row seq 6 (id {nxt.pk}) does not follow seq 5")
    ]


def test_deleted_audit_rows_are_named(sealed):
    sql("DELETE FROM audit_auditrecord WHERE seq IN (3, 7, 8)")
    assert kinds(audit_verify()) == [
        ("rows_missing", "audit row seq 3 is missing (deleted)"),
        ("rows_missing", "audit rows seq 7–8 are missing (deleted)"),
    ]


def test_a_truncated_tail_is_named(sealed):
    _, result, _ = sealed
    head = result.head_seq
    sql("DELETE FROM audit_auditrecord WHERE seq > %s", [head - 3])
    found = kinds(audit_verify())
    assert found[0] == (
        "chain_broken",
        f"the sealer refused to extend the chain: the chain head is seq {head} but the last row "
        f"is seq {head - 3}",
    )
    removed = f"rows {head - 2}–{head} were removed"
    assert (
        "tail_truncated",
        f"the chain ends at seq {head - 3} but the sealer's head (seq {head}) is later: {removed}",
    ) in found
    day = DayHead.objects.get().day
    assert (
        "tail_truncated",
        f"the chain ends at seq {head - 3} but the published head of {day} (seq {head}) is later: "
        f"{removed}",
    ) in found


def test_a_truncation_that_also_rewrote_the_heads_is_caught_by_a_published_head(sealed):
    _, result, batch = sealed
    head, published = result.head_seq, result.head_hash
    # the batch row is in the removed tail too
    cut = batch.seq - 1
    sql("DELETE FROM audit_auditrecord WHERE seq > %s", [cut])
    last = AuditRecord.objects.get(seq=cut).hash
    sql("UPDATE audit_chainstate SET seq = %s, hash = %s", [cut, last])
    sql("UPDATE audit_dayhead SET seq = %s, hash = %s", [cut, last])
    ids = sorted(Rating.objects.values_list("id", flat=True))
    unlisted = (
        "rating_unlisted",
        f"rating ids {ids[0]}–{ids[-1]} have a content hash but no sealed batch lists them",
    )
    # without an outside head: only the ratings give it away
    assert kinds(audit_verify(seal=False)) == [unlisted]
    # with the head written down from the public page
    assert kinds(audit_verify(seal=False, expected_heads=[(head, published)])) == [
        (
            "tail_truncated",
            f"the chain ends at seq {cut} but the given head seq {head} is later: rows "
            f"{cut + 1}–{head} were removed",
        ),
        unlisted,
    ]


def test_rows_left_unsealed_too_long_are_a_finding(org_tree):
    audit_seal()
    with time_machine.travel(now() - dt.timedelta(minutes=30), tick=False):
        region_create(code="540123", name="尼木县", level=RegionLevel.COUNTY, parent=org_tree.lhasa)
    row = AuditRecord.objects.get(seq__isnull=True)
    (finding,) = audit_verify(seal=False, max_unsealed_minutes=10).findings
    assert finding.kind == "sealer_lag"
    assert finding.message.startswith(
        f"1 audit row unsealed for more than 10 minutes (oldest id {row.pk}"
    )


def test_the_command_exits_1_naming_each_finding(sealed):
    ratings, _, _ = sealed
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip().endswith("no findings")
    sql("UPDATE ratings_rating SET text = 'changed' WHERE id = %s", [ratings[0].pk])
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=out)
    assert exit_info.value.code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        f"rating_changed: rating id {ratings[0].pk} (receipt {ratings[0].receipt}) was changed "
        "after it was sealed"
    )
    assert lines[-1].endswith(": 2 findings")


def test_the_command_checks_a_given_head_and_refuses_a_malformed_one(sealed):
    _, result, _ = sealed
    out = io.StringIO()
    call_command("audit", "verify", "--head", f"{result.head_seq}:{result.head_hash}", stdout=out)
    assert "no findings" in out.getvalue()
    with pytest.raises(SystemExit):
        call_command(
            "audit", "verify", "--head", f"{result.head_seq}:{'0' * 64}", stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="--head wants SEQ:HASH"):
        call_command("audit", "verify", "--head", "12:abc")
