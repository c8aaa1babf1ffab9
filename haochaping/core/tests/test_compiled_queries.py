"""Look-ups and inserts whose SQL is built once: the same objects and side effects as the ORM's."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from haochaping.cases.models import Case
from haochaping.core.clock import now
from haochaping.core.compiled_queries import first_compiled, insert_compiled
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
