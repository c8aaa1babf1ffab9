"""One derivation of a rating's origin (``ratings.enums.origin_of``), read the same everywhere.

A suggestion-box slip routed as a negative 综合点评 is a paper, staff-entered rating without a
case: its origin is ``comment`` on the model, in the rollup and the results summaries, in the
outbox record, on the results rating list and on the integrity review page, and in the SQL
expression ``origin_sql``; the wire's ``dataSource`` keeps how it was entered (paper, "3").
"""

from __future__ import annotations

import itertools
from html import escape

import pytest
from django.db import connection

from haochaping.accounts.enums import Role
from haochaping.coverage import services as coverage
from haochaping.coverage.enums import CommentSource, Sentiment, SubjectKind, Topic
from haochaping.coverage.tests.conftest import at, ensure_calendar, login
from haochaping.dataout.adapters import get_adapter
from haochaping.dataout.enums import Topic as OutboxTopic
from haochaping.dataout.outbox import OutboxMessage
from haochaping.integrity.checks import Finding, UnitShareCheck
from haochaping.integrity.enums import Outcome
from haochaping.integrity.services import findings_record
from haochaping.ratings.enums import Channel, Level, Origin, entry_of, origin_of, origin_sql
from haochaping.ratings.models import Rating, RatingRollup
from haochaping.ratings.selectors import content_version_current
from haochaping.ratings.services import rating_submit
from haochaping.results.models import UnitDayCount, UnitMonthCount
from haochaping.testing.builders import make_case, make_user

pytestmark = pytest.mark.django_db

FLAGS = list(itertools.product([False, True], repeat=4))


@pytest.fixture
def liaison(org_tree):
    ensure_calendar()
    return make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(at("2026-11-05 09:00"), tick=False):
        yield


@pytest.mark.parametrize(("default", "paper", "staff", "has_case"), FLAGS)
def test_origin_of_precedence(default, paper, staff, has_case):
    origin = origin_of(
        is_system_default=default, is_paper=paper, is_staff_entered=staff, has_case=has_case
    )
    entry = entry_of(is_system_default=default, is_paper=paper, is_staff_entered=staff)
    expected_entry = (
        Origin.SYSTEM_DEFAULT if default
        else Origin.PAPER if paper
        else Origin.STAFF_ENTERED if staff
        else Origin.CITIZEN
    )  # fmt: skip
    assert entry == expected_entry
    assert origin == (expected_entry if has_case else Origin.COMMENT)


def _slip_rating(tree, liaison) -> Rating:
    slip = coverage.comment_register(
        source=CommentSource.SUGGESTION_BOX, subject_kind=SubjectKind.UNIT, unit=tree.police,
        text="大厅取号机经常坏,等候时间太长。", source_ref="BOX-2026-11-009",
        acting_user=liaison, received_at=at("2026-11-04 17:00"),
    )  # fmt: skip
    slip = coverage.comment_classify(
        comment_id=slip.pk, sentiment=Sentiment.NEGATIVE, topic=Topic.FACILITIES,
        level=Level.DISSATISFIED, acting_user=liaison,
    )  # fmt: skip
    return slip.rating


def _paper_case_rating(tree) -> Rating:
    case = make_case(tree, completed_at=at("2026-11-04 10:00"))
    return rating_submit(
        case=case, level=Level.SATISFIED, channel=Channel.KIOSK,
        assessed_at=at("2026-11-04 11:00"), is_paper=True, is_staff_entered=True,
    ).rating  # fmt: skip


def _origin_in_sql(rating: Rating) -> str:
    table = connection.ops.quote_name(Rating._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {origin_sql('r')} FROM {table} r WHERE r.id = %s", [rating.pk])  # noqa: S608
        return cur.fetchone()[0]


def _places(rating: Rating, liaison) -> dict[str, str]:
    """The origin value of ``rating`` in every place that shows or counts it."""
    rating = Rating.objects.get(pk=rating.pk)
    key = {"unit": rating.unit, "level": rating.level, "channel": rating.channel}
    (rollup,) = RatingRollup.objects.filter(**key).values_list("origin", flat=True).distinct()
    (day,) = UnitDayCount.objects.filter(**key).values_list("origin", flat=True).distinct()
    (month,) = UnitMonthCount.objects.filter(**key).values_list("origin", flat=True).distinct()
    message = OutboxMessage.objects.get(topic=OutboxTopic.RATING, source_id=rating.pk)
    details = {"share": 60, "entered": 6, "total": 10, "days": 30}
    review = findings_record(
        rating=rating, findings=[(UnitShareCheck(), Finding(Outcome.FLAG, 0.5, details))]
    )
    by_label = {escape(str(o.label)): o.value for o in Origin}  # as rendered in HTML
    client = login(liaison)
    page = client.get("/results/ratings/", {"period": "2026-11", "grain": "month"})
    assert page.status_code == 200
    shown = [label for label in by_label if f"<td>{label}</td>" in page.content.decode()]
    review_page = client.get(f"/integrity/reviews/{review.pk}/")
    assert review_page.status_code == 200
    reviewed = [
        label
        for label in by_label
        if f'<dd data-figure="origin">{label}</dd>' in review_page.content.decode()
    ]
    return {
        "model": rating.origin.value,
        "sql": _origin_in_sql(rating),
        "rollup": rollup,
        "day summary": day,
        "month summary": month,
        "outbox": message.payload["origin"],
        "results page": by_label[shown[0]] if len(shown) == 1 else f"{shown}",
        "integrity page": by_label[reviewed[0]] if len(reviewed) == 1 else f"{reviewed}",
    }


def test_a_suggestion_box_slip_is_a_comment_everywhere(org_tree, liaison, frozen):
    rating = _slip_rating(org_tree, liaison)
    assert (rating.case_id, rating.is_paper, rating.is_staff_entered) == (None, True, True)

    places = _places(rating, liaison)

    assert places == dict.fromkeys(places, Origin.COMMENT.value)
    message = OutboxMessage.objects.get(topic=OutboxTopic.RATING, source_id=rating.pk)
    wire = get_adapter("tibet_v1").build(
        topic=OutboxTopic.RATING, record_id=message.record_id, payload=message.payload
    )
    assert wire.body["dataSource"] == "3"  # keyed in from paper, as before


def test_a_paper_case_rating_is_paper_everywhere(org_tree, liaison, frozen):
    rating = _paper_case_rating(org_tree)

    places = _places(rating, liaison)

    assert places == dict.fromkeys(places, Origin.PAPER.value)


@pytest.mark.parametrize(("default", "paper", "staff", "has_case"), FLAGS)
def test_origin_sql_agrees_with_origin_of(org_tree, default, paper, staff, has_case):
    case = make_case(org_tree) if has_case else None
    rating = Rating.objects.create(
        case=case, unit=org_tree.police, level=Level.SATISFIED, channel=Channel.KIOSK,
        assessed_at=at("2026-11-04 11:00"), received_at=at("2026-11-04 11:00"),
        content_version=content_version_current(), is_system_default=default, is_paper=paper,
        is_staff_entered=staff, receipt=f"T{int(default)}{int(paper)}{int(staff)}{int(has_case)}",
    )  # fmt: skip
    assert _origin_in_sql(rating) == rating.origin.value
