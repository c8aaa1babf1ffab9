"""Look-ups and inserts whose SQL is built once: the same objects and side effects as the ORM's."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from haochaping.cases.models import Case
from haochaping.core.clock import now
from haochaping.core.compiled_queries import (
    first_compiled,
    insert_compiled,
    prepared_cursor,
    ride_insert,
    riders,
)
from haochaping.dataout.models import OutboxMessage
from haochaping.ratings.tests.helpers import completed_case

pytestmark = pytest.mark.django_db


def _case_in(scope: Q):
    def build(value):
        return Case.objects.select_related("unit__region", "item").filter(scope, project_no=value)

    return build


def test_first_compiled_gives_what_the_orm_gives(org_tree):
    # given two cases, one with an encrypted applicant mobile
    a = completed_case(org_tree, applicant_mobile="13900000001")
    b = completed_case(org_tree)
    scope = Q(unit__region__path__startswith=a.unit.region.path)
    # when
    found = [first_compiled(("t", scope), _case_in(scope), c.project_no) for c in (a, b)]
    # then: the same rows, related objects loaded, field converters applied
    for got, case in zip(found, (a, b), strict=True):
        expected = Case.objects.select_related("unit__region", "item").get(pk=case.pk)
        assert got.pk == expected.pk
        assert got.applicant_mobile == expected.applicant_mobile
        assert got.completed_at == expected.completed_at
        with CaptureQueriesContext(connection) as queries:
            assert (got.unit.region.code, got.item.task_code) == (
                expected.unit.region.code,
                expected.item.task_code,
            )
        assert len(queries) == 0  # select_related objects came with the row
    assert found[0].applicant_mobile == "13900000001"


def test_first_compiled_none_and_scope(org_tree):
    case = completed_case(org_tree)
    outside = Q(unit__region__path__startswith="/nowhere/")
    assert first_compiled(("t", outside), _case_in(outside), case.project_no) is None
    anywhere = Q()
    assert first_compiled(("t", anywhere), _case_in(anywhere), "NO-SUCH-CASE") is None


def test_first_compiled_refuses_a_rewritten_value(org_tree):
    with pytest.raises(ValueError):
        first_compiled(
            ("t-startswith",), lambda v: Case.objects.filter(project_no__startswith=v), "X"
        )


def _message(**overrides) -> OutboxMessage:
    at = now()
    fields = {
        "topic": "rating",
        "source_id": 1,
        "aggregate_key": "case:X",
        "record_id": "R-TEST",
        "payload": {"a": [1, "二"]},
        "occurred_at": at,
        "business_day": at.date(),
        "next_attempt_at": at,
        "created_at": at,
    }
    fields.update(overrides)
    return OutboxMessage(**fields)


def test_insert_compiled_stores_what_save_stores_and_sends_the_signals():
    seen = []

    def pre(sender, instance, raw, using, update_fields, **kw):
        seen.append(("pre", instance.pk, raw, update_fields))

    def post(sender, instance, created, raw, using, update_fields, **kw):
        seen.append(("post", instance.pk, created, raw))

    pre_save.connect(pre, sender=OutboxMessage)
    post_save.connect(post, sender=OutboxMessage)
    try:
        message = insert_compiled(_message())
    finally:
        pre_save.disconnect(pre, sender=OutboxMessage)
        post_save.disconnect(post, sender=OutboxMessage)
    assert message.pk is not None and not message._state.adding
    assert seen == [("pre", None, False, None), ("post", message.pk, True, False)]
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.payload, stored.status, stored.attempts) == ({"a": [1, "二"]}, "pending", 0)


def test_insert_compiled_failure_rolls_back_like_save():
    insert_compiled(_message(record_id="R-ONCE"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_compiled(_message(record_id="R-ONCE", source_id=2))
    assert OutboxMessage.objects.filter(record_id="R-ONCE").count() == 1


# --- riders: writes carried by a later statement ---------------------------------------------


def test_a_ridden_insert_runs_with_the_statement_that_takes_it():
    # given a riders block with one insert handed over
    with transaction.atomic(), riders() as block:
        with CaptureQueriesContext(connection) as queries:
            assert ride_insert(_message(record_id="R-RIDE")) is True
        # then nothing ran yet; the taker gets the INSERT with its prepared values
        assert len(queries) == 0
        assert not OutboxMessage.objects.filter(record_id="R-RIDE").exists()
        (statement,) = block.take()
        with connection.cursor() as cursor:
            cursor.execute(*statement)
    # and it is the row insert_compiled would have written
    stored = OutboxMessage.objects.get(record_id="R-RIDE")
    assert (stored.payload, stored.status, stored.attempts) == ({"a": [1, "二"]}, "pending", 0)


def test_riders_not_taken_run_when_the_block_ends_and_none_after_an_error():
    with transaction.atomic(), riders():
        assert ride_insert(_message(record_id="R-LATE")) is True
    assert OutboxMessage.objects.filter(record_id="R-LATE").count() == 1
    with pytest.raises(RuntimeError), transaction.atomic(), riders():
        assert ride_insert(_message(record_id="R-ERR")) is True
        raise RuntimeError("the block fails")
    assert not OutboxMessage.objects.filter(record_id="R-ERR").exists()


def test_nothing_rides_outside_a_block_or_inside_a_savepoint_opened_within_it():
    seen = []

    def pre(sender, instance, **kw):
        seen.append(instance.record_id)

    pre_save.connect(pre, sender=OutboxMessage)
    try:
        assert ride_insert(_message(record_id="R-NO-BLOCK")) is False
        with transaction.atomic(), riders():
            with transaction.atomic():  # a savepoint: its rollback must take the row back
                assert ride_insert(_message(record_id="R-SAVEPOINT")) is False
    finally:
        pre_save.disconnect(pre, sender=OutboxMessage)
    assert seen == []  # nothing was prepared or signalled for a write that did not ride


# --- prepared statements (PostgreSQL) -----------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_here() -> list[str]:
    """The statements the server holds prepared for this connection (protocol-level ones)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_prepared_cursor_prepares_its_statements_and_only_those(org_tree):
    # given a case
    case = completed_case(org_tree)
    sql = 'SELECT "project_no" FROM "cases_case" WHERE "id" = %s'
    # when the same statement runs through each kind of cursor, three times
    with prepared_cursor() as cursor:
        got = []
        for _ in range(3):
            cursor.execute(sql, [case.pk])
            got.append(cursor.fetchone())
    plain_sql = 'SELECT "project_no" FROM "cases_case" WHERE "id" = %s AND 1 = 1'
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(plain_sql, [case.pk])
            assert cursor.fetchone() == (case.project_no,)
    # then: the same answer each time; the server holds the one statement, once, and none of
    # Django's own client-side-bound statements
    assert got == [(case.project_no,)] * 3
    prepared = _prepared_here()
    assert prepared.count('SELECT "project_no" FROM "cases_case" WHERE "id" = $1') == 1
    assert not any("AND 1 = 1" in statement for statement in prepared)


@postgresql_only
def test_prepared_cursor_logs_the_statement_with_its_values(org_tree):
    case = completed_case(org_tree)
    with CaptureQueriesContext(connection) as queries, prepared_cursor() as cursor:
        cursor.execute(
            'SELECT "project_no" FROM "cases_case" WHERE "project_no" = %s', [case.project_no]
        )
    logged = queries.captured_queries[-1]["sql"]
    assert logged.endswith(f"WHERE \"project_no\" = '{case.project_no}'")


@postgresql_only
def test_prepared_cursor_survives_a_rollback_and_errors_as_django_does(org_tree):
    # given a statement already prepared
    case = completed_case(org_tree)
    sql = 'SELECT "project_no" FROM "cases_case" WHERE "id" = %s'
    with prepared_cursor() as cursor:
        cursor.execute(sql, [case.pk])
    # when a savepoint rolls back (psycopg forgets its prepared statements then) and a bad
    # statement fails
    with pytest.raises(IntegrityError), transaction.atomic():
        with prepared_cursor() as cursor:
            cursor.execute('INSERT INTO "cases_case" ("id") VALUES (%s)', [case.pk])
    # then: the error was Django's IntegrityError and the statement still runs
    with prepared_cursor() as cursor:
        cursor.execute(sql, [case.pk])
        assert cursor.fetchone() == (case.project_no,)


@postgresql_only
def test_prepared_statements_can_be_turned_off(org_tree, settings):
    settings.HAOCHAPING_PREPARED_STATEMENTS = False
    case = completed_case(org_tree)
    sql = 'SELECT "project_no" FROM "cases_case" WHERE "id" = %s AND 2 = 2'
    with prepared_cursor() as cursor:
        for _ in range(3):
            cursor.execute(sql, [case.pk])
    assert not any("AND 2 = 2" in statement for statement in _prepared_here())
