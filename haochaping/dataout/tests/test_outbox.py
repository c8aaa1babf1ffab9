"""The outbox rows: written in the domain change's transaction, one per record, stable ids."""

from __future__ import annotations

import pytest
from django.db import transaction

from haochaping.accounts.enums import Role
from haochaping.core.clock import LOCAL_TZ
from haochaping.dataout.enums import MessageStatus, Topic
from haochaping.dataout.models import OutboxMessage
from haochaping.dataout.tests.conftest import rate
from haochaping.ratings.enums import Level
from haochaping.ratings.services import rating_exclude
from haochaping.rectification import services as rect
from haochaping.rectification.models import Rectification
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def test_a_rating_writes_one_pending_message_with_a_stable_record_id(org_tree):
    # when
    rating = rate(org_tree, level=Level.SATISFIED)

    # then
    m = OutboxMessage.objects.get()
    assert (m.topic, m.record_id, m.status, m.attempts) == (
        Topic.RATING,
        f"R-{rating.receipt}",
        MessageStatus.PENDING,
        0,
    )
    assert m.aggregate_key == f"case:{rating.case.project_no}"
    assert m.payload["level"] == "satisfied"
    assert m.payload["unit_credit_code"] == org_tree.police.credit_code
    assert m.business_day == rating.assessed_at.astimezone(LOCAL_TZ).date()
    assert m.occurred_at == rating.assessed_at


def test_a_rolled_back_rating_leaves_no_message(org_tree):
    # when the rating's transaction rolls back after the rating was stored
    with pytest.raises(RuntimeError), transaction.atomic():
        rate(org_tree)
        raise RuntimeError("boom")

    # then
    assert OutboxMessage.objects.count() == 0


def test_rectification_results_are_queued_after_their_rating_in_the_same_case(org_tree):
    # given a bad review (which opens a rectification) and the people who work it
    handler = make_user("h-police", Role.HANDLER, scope_unit=org_tree.police)
    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    rating = rate(org_tree, level=Level.VERY_DISSATISFIED)
    r = Rectification.objects.get(rating=rating)

    # when it is contacted, rectified, fed back, accepted and closed after a satisfied callback
    rect.rectification_contact(rectification_id=r.pk, note="已电话联系", acting_user=handler)
    rect.rectification_start(rectification_id=r.pk, note="开始整改", acting_user=handler)
    rect.rectification_urge(rectification_id=r.pk, note="请尽快", acting_user=liaison)
    rect.rectification_feedback(rectification_id=r.pk, note="已整改", acting_user=handler)
    rect.rectification_accept_feedback(rectification_id=r.pk, note="材料齐全", acting_user=liaison)
    rect.rectification_callback(
        rectification_id=r.pk,
        method="phone",
        outcome="reached",
        satisfaction="satisfied",
        note="群众满意",
        acting_user=liaison,
    )

    # then the results (not the start, the urge or the acceptance) follow the rating, in order
    rows = list(
        OutboxMessage.objects.order_by("id").values_list(
            "topic", "payload__event_type", "aggregate_key"
        )
    )
    key = f"case:{rating.case.project_no}"
    assert rows == [
        (Topic.RATING, None, key),
        (Topic.RECTIFICATION, "rectification.contacted", key),
        (Topic.RECTIFICATION, "rectification.feedback_given", key),
        (Topic.RECTIFICATION, "rectification.closed", key),
    ]
    closed = OutboxMessage.objects.order_by("id").last()
    assert closed.payload["callback_satisfaction"] == "satisfied"
    assert closed.payload["callback_method"] == "phone"
    assert closed.payload["status"] == "closed"


def test_a_rating_not_adopted_queues_an_invalidation(org_tree):
    rating = rate(org_tree, level=Level.DISSATISFIED)

    rating_exclude(rating=rating, reason="恶意差评,复核不予采纳")

    m = OutboxMessage.objects.get(topic=Topic.RATING_EXCLUDED)
    assert m.record_id == f"X-{rating.receipt}"
    assert m.payload["reason"] == "恶意差评,复核不予采纳"


def test_nothing_is_queued_when_the_push_is_disabled(org_tree, settings):
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "ENABLED": False}

    rate(org_tree)

    assert OutboxMessage.objects.count() == 0


def test_a_result_of_a_rating_never_queued_queues_the_rating_first(org_tree, settings):
    # given a bad review stored while the push was off (as the importer's raw SQL path would)
    handler = make_user("h-police", Role.HANDLER, scope_unit=org_tree.police)
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "ENABLED": False}
    rating = rate(org_tree, level=Level.VERY_DISSATISFIED)
    settings.HAOCHAPING_DATAOUT = {**settings.HAOCHAPING_DATAOUT, "ENABLED": True}
    r = Rectification.objects.get(rating=rating)

    # when its rectification result is recorded
    rect.rectification_contact(rectification_id=r.pk, note="已联系", acting_user=handler)

    # then the rating is queued before the result
    assert list(OutboxMessage.objects.order_by("id").values_list("record_id", flat=True)) == [
        f"R-{rating.receipt}",
        f"C-{r.events.get(type='rectification.contacted').pk}",
    ]
