"""Monthly partitions on PostgreSQL (haochaping/ratings/partitions.py, docs/partitioning.md)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from haochaping.ratings import partitions
from haochaping.ratings.enums import Level
from haochaping.ratings.models import Rating, RatingEvent
from haochaping.ratings.services import rating_submit, receipt_new
from haochaping.ratings.tests.helpers import completed_case

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"
)


def _rating(org_tree) -> Rating:
    case = completed_case(org_tree)
    return rating_submit(
        case=case, level=Level.VERY_SATISFIED, channel="4", assessed_at=case.completed_at
    ).rating


def _copy(rating: Rating, **fields) -> Rating:
    clone = Rating.objects.get(pk=rating.pk)
    clone.pk = None
    clone.receipt = receipt_new()
    for name, value in fields.items():
        setattr(clone, name, value)
    clone.save(force_insert=True)
    return clone


def _partition_of(rating: Rating) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM ratings_rating WHERE id = %s", [rating.pk]
        )
        return cursor.fetchone()[0]


@on_postgres
def test_big_tables_are_partitioned_with_triggers_on_the_parent(db):
    with connection.cursor() as cursor:
        for spec in partitions.PARTITIONED:
            assert partitions.is_partitioned(cursor, spec.table), spec.table
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'ratings_rating'::regclass "
            "AND NOT tgisinternal"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {"ratings_key_ins", "results_reason_ins", "results_reason_upd"} <= names


@on_postgres
def test_unique_rules_hold_across_monthly_partitions(org_tree):
    # given: a rating received now
    rating = _rating(org_tree)
    later = rating.received_at + dt.timedelta(days=62)
    # when / then: the same case, stage and number two months later (another partition) fails
    with (
        pytest.raises(IntegrityError, match="one_rating_per_case_stage_number"),
        transaction.atomic(),
    ):
        _copy(rating, received_at=later)
    # and so does the same receipt code, and the same idempotency key
    with pytest.raises(IntegrityError, match="rating_receipt_unique"), transaction.atomic():
        _copy(rating, case=None, received_at=later, receipt=rating.receipt)
    keyed = _copy(rating, case=None, idempotency_key="k-1")
    with pytest.raises(IntegrityError, match="rating_idempotency_key_unique"), transaction.atomic():
        _copy(keyed, case=None, received_at=later, idempotency_key="k-1")
    # a second rating of another case in that month is fine
    other = _copy(rating, case=None, received_at=later)
    assert _partition_of(other) != _partition_of(rating)


@on_postgres
def test_rows_in_the_default_partition_move_to_their_month(org_tree):
    # given: a rating received in a month that has no partition yet
    rating = _rating(org_tree)
    far = dt.datetime(2031, 5, 9, 10, 0, tzinfo=dt.UTC)
    stray = _copy(rating, case=None, received_at=far)
    assert _partition_of(stray) == "ratings_rating_default"
    # when
    report = partitions.create_ahead(ahead=0)
    # then: its month's partition exists and holds it; the key table still knows it
    assert "ratings_rating_p203105" in report["created"]
    assert report["moved"]["ratings_rating 2031-05"] == 1
    assert _partition_of(stray) == "ratings_rating_p203105"
    assert Rating.objects.get(pk=stray.pk).receipt == stray.receipt
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(rating, case=None, received_at=far, receipt=stray.receipt)
    assert partitions.create_ahead(ahead=0)["created"] == []


@on_postgres
def test_exclusion_and_anonymisation_update_partitioned_rows(org_tree):
    from haochaping.ratings.services import rating_exclude

    rating = _rating(org_tree)
    rating_exclude(rating=rating, reason="复核")
    Rating.objects.filter(pk=rating.pk).update(evaluator_name="", evaluator_mobile="")
    rating.refresh_from_db()
    assert rating.validity == "excluded"
    assert rating.evaluator_name == ""


@on_postgres
def test_orphan_check_finds_a_reference_to_a_missing_rating(org_tree):
    rating = _rating(org_tree)
    assert partitions.orphans_count() == {}
    RatingEvent.objects.create(
        rating_id=rating.pk + 10_000, type="x", created_at=rating.received_at
    )
    assert partitions.orphans_count() == {"ratings_ratingevent": 1}


@on_postgres
def test_status_command_lists_partitions_with_rows(org_tree):
    _rating(org_tree)
    out = io.StringIO()
    call_command("partitions", "status", "--exact", stdout=out)
    text = out.getvalue()
    assert "ratings_rating_default" in text
    month = partitions.month_start(partitions.local_today())
    line = next(
        row
        for row in text.splitlines()
        if row.startswith(partitions.partition_name(partitions.RATING, month))
    )
    assert line.split()[1] == "1"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps plain tables")
def test_sqlite_has_no_partitions(db):
    out = io.StringIO()
    call_command("partitions", "status", stdout=out)
    assert "PostgreSQL only" in out.getvalue()
    assert partitions.create_ahead() == {"created": [], "moved": {}}


@on_postgres
def test_the_periodic_job_creates_partitions_ahead(db, settings):
    from haochaping.jobs.periodic import PERIODIC_JOBS

    settings.HAOCHAPING_PARTITIONS = {"MONTHS_AHEAD": 5}
    job = next(job for job in PERIODIC_JOBS if job.name == "partitions-maintain")
    result = job.load_task().call()
    month = partitions.month_add(partitions.month_start(partitions.local_today()), 5)
    for spec in partitions.PARTITIONED:
        assert partitions.partition_name(spec, month) in result["created"]
    assert result["orphans"] == {}


def test_receipt_lookup_finds_ratings_in_any_month_and_plans_one_partition(org_tree):
    from django.test.utils import CaptureQueriesContext

    from haochaping.ratings.selectors import rating_get_by_receipt

    recent = _rating(org_tree)
    old = _copy(recent, case=None, received_at=recent.received_at - dt.timedelta(days=400))
    for rating in (recent, old):
        with CaptureQueriesContext(connection) as queries:
            found = rating_get_by_receipt(receipt=rating.receipt.lower())
        assert found is not None and found.pk == rating.pk
        assert found.case_id == rating.case_id  # select_related still applies
        sql = queries.captured_queries[-1]["sql"]
        if connection.vendor == "postgresql":
            # (id, received_at) from the key table: the rating's own read names its partition key
            assert '"ratings_rating"."received_at" =' in sql
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                cursor.execute(
                    "SELECT relid::regclass::text FROM pg_partition_tree('ratings_rating') "
                    "WHERE isleaf"
                )
                leaves = [row[0] for row in cursor.fetchall()]
            scanned = {leaf for leaf in leaves if f"{leaf} " in plan}
            assert scanned == {_partition_of(rating)}, plan
    assert rating_get_by_receipt(receipt="NOSUCHCODE1") is None


@on_postgres
def test_only_the_case_is_a_database_foreign_key_of_a_rating(db):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT a.attname FROM pg_constraint con JOIN pg_attribute a ON a.attrelid ="
            " con.conrelid AND a.attnum = ANY (con.conkey) WHERE con.conrelid ="
            " 'ratings_rating'::regclass AND con.contype = 'f'"
        )
        assert [name for (name,) in cur.fetchall()] == ["case_id"]


@on_postgres
def test_a_unit_deleted_behind_djangos_back_is_reported(org_tree):
    rating = _rating(org_tree)
    assert partitions.dimension_orphans_count() == {}
    with connection.cursor() as cur:  # raw SQL past every check (cases, windows ... too)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("DELETE FROM org_unit WHERE id = %s", [rating.unit_id])
        cur.execute("SET LOCAL session_replication_role = DEFAULT")
    assert partitions.dimension_orphans_count() == {"org_unit": 1}
    out = io.StringIO()
    call_command("partitions", "status", stdout=out)
    assert "ratings name 1 ids missing from org_unit" in out.getvalue()


@on_postgres
def test_receipts_and_idempotency_keys_are_found_through_the_key_table(org_tree):
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'ratings_rating'")
        definitions = " ".join(d for (d,) in cur.fetchall())
    assert "(receipt)" not in definitions and "(idempotency_key)" not in definitions
    case = completed_case(org_tree)
    first = rating_submit(
        case=case,
        level=Level.VERY_SATISFIED,
        channel="4",
        assessed_at=case.completed_at,
        idempotency_key="tablet-key-0001",
    )
    where = partitions.rating_locate(idempotency_key="tablet-key-0001")
    assert Rating.objects.get(where).pk == first.rating.pk
    assert Rating.objects.get(partitions.rating_locate(receipt=first.rating.receipt)).pk == (
        first.rating.pk
    )
    assert partitions.rating_locate(idempotency_key="no-such-key") is None
    assert partitions.rating_locate(receipt="") is None
    again = rating_submit(  # the replay is recognised through the key table
        case=case,
        level=Level.VERY_SATISFIED,
        channel="4",
        assessed_at=case.completed_at,
        idempotency_key="tablet-key-0001",
    )
    assert again.created is False and again.rating.pk == first.rating.pk
