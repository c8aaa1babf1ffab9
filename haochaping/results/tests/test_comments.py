"""综合点评 are counted apart: a negative society's comment becomes a case-less rating (origin
``comment``) that changes none of a unit's case figures and shows in the comment figures.

On the hand-made dataset of conftest.py (police: 5 valid October case ratings, 1 bad review),
three comments about the police unit are registered in October: a negative slip (routed, then
rectified), a negative phone call (routed, still open) and a praise e-mail (noted); a spam web
message is rejected and never counts.
"""

from __future__ import annotations

import pytest

from haochaping.accounts.enums import Role
from haochaping.coverage import services as coverage
from haochaping.coverage.enums import CommentSource, Sentiment, SubjectKind, Topic
from haochaping.ratings.enums import Level, Origin
from haochaping.ratings.models import RatingRollup
from haochaping.rectification import services as rect
from haochaping.rectification.models import Rectification
from haochaping.results import dashboards
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension
from haochaping.results.models import UnitDayCount, UnitMonthCount
from haochaping.results.periods import period_parse
from haochaping.results.ranking import ranking
from haochaping.testing.builders import make_user

from .conftest import local

pytestmark = pytest.mark.django_db

OCT = period_parse("month", "2026-10")


def _case_figures(tree) -> dict:
    """Every case figure of the police unit and the city for October."""
    police = m.rating_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    city = m.rating_tallies(period=OCT)[None]
    rects = m.rect_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    cases = m.case_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    rank = {r.key: r for r in ranking(kind="unit", period=OCT, config={"MIN_RATINGS": 1}).ranked}
    return {
        "ratings": m.rating_count(police),
        "levels": dict(police.levels),
        "good_rate": m.good_rate(police),
        "satisfaction_rate": m.satisfaction_rate(police),
        "bad_rate": m.bad_rate(police),
        "citizen_good_rate": m.citizen_good_rate(police),
        "paper_share": m.origin_share(police, Origin.PAPER),
        "staff_share": m.origin_share(police, Origin.STAFF_ENTERED),
        "city_ratings": m.rating_count(city),
        "city_bad_rate": m.bad_rate(city),
        "received": rects.received,
        "rectification_rate": m.rectification_rate(rects),
        "reply_rate": m.reply_rate(rects),
        "open": m.open_bad_reviews(units=[tree.police.pk]).open,
        "rating_rate": m.rating_rate(cases),
        "score": rank[tree.police.pk].score,
        "rank": rank[tree.police.pk].rank,
    }


def _comments(tree, clerk, boss, clock):
    def register(source, text, when, **kw):
        clock.move_to(when)
        return coverage.comment_register(
            source=source, subject_kind=SubjectKind.UNIT, unit=tree.police, text=text,
            acting_user=clerk, received_at=when, **kw,
        )  # fmt: skip

    slip = register(CommentSource.SUGGESTION_BOX, "取号机坏了三天没人修。", local(2026, 10, 16))
    call = register(CommentSource.COMPLAINT_PHONE, "窗口午休无人值守。", local(2026, 10, 17),
                    submitter_name="次仁", submitter_mobile="13911112222")  # fmt: skip
    praise = register(CommentSource.EMAIL, "感谢民警耐心解答。", local(2026, 10, 18))
    spam = register(CommentSource.WEB, "广告广告广告", local(2026, 10, 19))
    coverage.comment_classify(comment_id=slip.pk, sentiment=Sentiment.NEGATIVE,
                              topic=Topic.FACILITIES, level=Level.DISSATISFIED, acting_user=clerk)  # fmt: skip
    coverage.comment_classify(comment_id=call.pk, sentiment=Sentiment.NEGATIVE,
                              topic=Topic.ATTITUDE, level=Level.VERY_DISSATISFIED,
                              acting_user=clerk)  # fmt: skip
    coverage.comment_classify(comment_id=praise.pk, sentiment=Sentiment.PRAISE, acting_user=clerk)
    coverage.comment_classify(comment_id=spam.pk, sentiment=Sentiment.SPAM, acting_user=clerk)
    # the slip's rectification: fixed at once (anonymous: no callback possible, closes)
    slip.refresh_from_db()
    r = Rectification.objects.get(rating=slip.rating)
    assert r.case_id is None
    rect.rectification_fix_at_once(rectification_id=r.pk, note="已修好取号机", acting_user=boss)
    rect.rectification_accept_feedback(rectification_id=r.pk, note="", acting_user=boss)
    r.refresh_from_db()
    if r.status != "closed":
        rect.rectification_callback(rectification_id=r.pk, method="phone", outcome="reached",
                                    satisfaction="satisfied", acting_user=boss)  # fmt: skip


def test_a_comment_changes_no_case_figure_and_has_its_own(dataset, clock):
    tree = dataset.tree
    boss = make_user("boss", Role.ADMIN, is_superuser=True)
    before = _case_figures(tree)
    assert before["ratings"] == 5 and before["received"] == 1  # the dataset's police unit

    # when
    _comments(tree, boss, boss, clock)
    clock.move_to(local(2026, 11, 5, 12))

    # then: the case figures are exactly what they were
    assert _case_figures(tree) == before
    # the two negative comments are in the rollup and the summaries as origin "comment"
    for model in (RatingRollup, UnitDayCount, UnitMonthCount):
        rows = model.objects.filter(unit=tree.police, origin=Origin.COMMENT)
        assert sorted((r.level, r.count) for r in rows) == [
            ("dissatisfied", 1),
            ("very_dissatisfied", 1),
        ], model.__name__
    police = m.rating_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    assert m.comment_rating_count(police) == 2
    assert police.comment_levels["very_dissatisfied"] == 1
    # the comment figures: 3 received (spam left out), 2 negative, 2 routed, 1 rectified
    c = m.comment_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    assert (c.received, c.negative, c.routed, c.rectified) == (3, 2, 2, 1)
    assert m.comment_rectified_rate(c) == m.Ratio(1, 2)
    assert m.comment_tallies(period=OCT, units=[tree.cg_police.pk]) == {}
    assert m.comment_tallies(period=period_parse("month", "2026-09")) == {}
    figures = dashboards.overview(units=None, period=OCT)["figures"]
    assert (figures["ratings"], figures["received"], figures["comments_received"]) == (8, 2, 3)
    assert (figures["comments_routed"], figures["comments_rectified"]) == (2, 1)


def test_comment_figures_on_the_dashboard_and_the_public_site(dataset, clock, client):
    import json

    tree = dataset.tree
    boss = make_user("boss", Role.ADMIN, is_superuser=True)
    _comments(tree, boss, boss, clock)
    clock.move_to(local(2026, 11, 5, 12))
    client.force_login(boss)
    page = client.get("/results/?grain=month&period=2026-10").content.decode()
    assert 'data-figure="ratings">8<' in page
    assert 'data-figure="comments_received">3<' in page
    assert 'data-figure="comments_routed">2<' in page
    assert 'data-figure="comments_rectified">1 (50.0%)<' in page
    unit = client.get(f"/public/units/{tree.police.pk}/?grain=month&period=2026-10").content
    assert b'data-figure="ratings">5<' in unit
    assert b'data-figure="comments_negative">2<' in unit
    data = json.loads(client.get("/public/data/units.json?grain=month&period=2026-10").content)
    row = next(r for r in data["rows"] if r["unit_name"] == tree.police.name)
    assert (row["ratings"], row["bad_reviews_received"]) == (5, 1)
    assert (row["comments_received"], row["comments_negative"]) == (3, 2)
    assert (row["comments_routed"], row["comments_rectified"]) == (2, 1)


def test_the_data_migration_moves_existing_case_less_ratings_to_comment(dataset, clock):
    import importlib

    from django.apps import apps

    from haochaping.ratings.services import rating_submit
    from haochaping.results.services import summaries_rebuild

    tree = dataset.tree
    migration = importlib.import_module("haochaping.ratings.migrations.0006_origin_comment")
    # given a case-less paper rating counted the old way (origin from its flags: paper)
    clock.move_to(local(2026, 10, 16, 9))
    rating_submit(case=None, unit=tree.police, level=Level.DISSATISFIED, channel="5",
                  assessed_at=local(2026, 10, 16, 9), is_paper=True, is_staff_entered=True,
                  text="意见箱：取号机故障")  # fmt: skip
    RatingRollup.objects.filter(origin=Origin.COMMENT).update(origin=Origin.PAPER)
    summaries_rebuild(reasons=False)
    police = m.rating_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    assert (m.rating_count(police), m.comment_rating_count(police)) == (6, 0)

    # when
    migration.comment_origin(apps, None)

    # then: counted as a comment, the case figures back to the dataset's
    police = m.rating_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    assert (m.rating_count(police), m.comment_rating_count(police)) == (5, 1)
    assert m.origin_share(police, Origin.PAPER) == m.Ratio(0, 5)
    for model in (RatingRollup, UnitDayCount, UnitMonthCount):
        counts = {
            og: sum(r.count for r in model.objects.filter(unit=tree.police, origin=og))
            for og in (Origin.PAPER, Origin.COMMENT)
        }
        assert counts == {Origin.PAPER: 0, Origin.COMMENT: 1}, model.__name__


@pytest.mark.parametrize("fast", [False, True], ids=["generic", "fast"])
def test_an_imported_rating_without_a_case_is_counted_as_a_comment(org_tree, tmp_path, fast):
    import json

    from django.db import connection

    from haochaping.ratings.importer import ratings_import
    from haochaping.ratings.tests.helpers import completed_case, record

    if fast and connection.vendor != "postgresql":
        pytest.skip("the set-based fast path is PostgreSQL's")
    # given one rating of a case and one with a deptCode and no projectNo
    case = completed_case(org_tree)
    caseless = {**record(case), "projectNo": "", "deptCode": case.unit.credit_code}
    path = tmp_path / "ratings.jsonl"
    path.write_text(f"{json.dumps(record(case))}\n{json.dumps(caseless)}\n")
    # when
    report = ratings_import(path, chunk_size=100, fast_path=fast)
    # then
    assert report.imported == 2
    counts = {
        og: sum(RatingRollup.objects.filter(origin=og).values_list("count", flat=True))
        for og in (Origin.CITIZEN, Origin.COMMENT)
    }
    assert counts == {Origin.CITIZEN: 1, Origin.COMMENT: 1}
