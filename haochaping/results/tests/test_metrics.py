"""Every metric on the hand-made dataset of conftest.py, with exact expected numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from haochaping.ratings.enums import Level, Origin
from haochaping.ratings.models import RatingRollup
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension, Grain
from haochaping.results.models import ReasonDayCount, UnitDayCount, UnitMonthCount
from haochaping.results.periods import period_parse

pytestmark = pytest.mark.django_db

OCT = period_parse("month", "2026-10")


def test_city_totals_for_october(dataset):
    # given the dataset; when
    t = m.rating_tallies(period=OCT)[None]
    # then: c6 is excluded, c9 is in September, c7's follow-up is apart
    assert m.rating_count(t) == 8
    assert t.levels == {
        "very_satisfied": 1,
        "satisfied": 3,
        "basic": 2,
        "dissatisfied": 1,
        "very_dissatisfied": 1,
    }
    assert m.good_rate(t) == m.Ratio(4, 8)
    assert m.satisfaction_rate(t) == m.Ratio(6, 8)
    assert m.bad_rate(t) == m.Ratio(2, 8)
    assert m.level_share(t, Level.BASIC) == m.Ratio(2, 8)
    assert m.citizen_rating_count(t) == 5  # c1 c2 c4 c7 c11
    assert m.citizen_good_rate(t) == m.Ratio(3, 5)  # c1 c2 c11
    assert m.origin_share(t, Origin.STAFF_ENTERED) == m.Ratio(1, 8)
    assert m.origin_share(t, Origin.PAPER) == m.Ratio(1, 8)
    assert m.origin_share(t, Origin.SYSTEM_DEFAULT) == m.Ratio(1, 8)
    assert m.follow_up_count(t) == 1
    assert m.good_rate(t).percent == "50.0%"
    assert m.citizen_good_rate(t).as_dict() == {"numerator": 3, "denominator": 5, "value": 0.6}


def test_by_unit_region_and_channel(dataset):
    tree = dataset.tree
    by_unit = m.rating_tallies(period=OCT, by=Dimension.UNIT)
    assert set(by_unit) == {tree.police.pk, tree.cg_police.pk}
    police, cg = by_unit[tree.police.pk], by_unit[tree.cg_police.pk]
    assert m.rating_count(police) == 5
    assert m.good_rate(police) == m.Ratio(2, 5)
    assert m.satisfaction_rate(police) == m.Ratio(4, 5)
    assert m.bad_rate(police) == m.Ratio(1, 5)
    assert m.citizen_good_rate(police) == m.Ratio(2, 3)
    assert m.rating_count(cg) == 3
    assert m.bad_rate(cg) == m.Ratio(1, 3)
    assert m.citizen_good_rate(cg) == m.Ratio(1, 2)
    by_region = m.rating_tallies(period=OCT, by=Dimension.REGION)
    assert {k: m.rating_count(v) for k, v in by_region.items()} == {
        tree.lhasa.pk: 5,
        tree.chengguan.pk: 3,
    }
    by_channel = m.rating_tallies(period=OCT, by=Dimension.CHANNEL)
    assert {k: m.rating_count(v) for k, v in by_channel.items()} == {
        "1": 1,
        "2": 2,
        "3": 1,
        "4": 3,
        "6": 1,
    }


def test_by_item_window_hall_staff(dataset):
    tree = dataset.tree
    counts = {
        dim: {k: m.rating_count(v) for k, v in m.rating_tallies(period=OCT, by=dim).items()}
        for dim in (Dimension.ITEM, Dimension.WINDOW, Dimension.HALL, Dimension.STAFF)
    }
    assert counts[Dimension.ITEM] == {tree.items["id_card"].pk: 5, tree.items["cg_hukou"].pk: 3}
    assert counts[Dimension.WINDOW] == {tree.window.pk: 2, 0: 6}
    assert counts[Dimension.HALL] == {tree.hall.pk: 2, 0: 6}
    assert counts[Dimension.STAFF] == {tree.staff.pk: 2, 0: 6}


@pytest.mark.parametrize(
    ("grain", "key", "expected"),
    [
        ("day", "2026-10-12", 1),  # c2 (c3 was rated on the 13th)
        ("week", "2026-W42", 4),  # 12-18 Oct: c2 c3 c7 c8
        ("month", "2026-09", 1),
        ("quarter", "2026-Q4", 8),
        ("year", "2026", 9),
    ],
)
def test_each_period_grain(dataset, grain, key, expected):
    t = m.rating_tallies(period=period_parse(grain, key)).get(None, m.RatingTally())
    assert m.rating_count(t) == expected


def test_trend_by_week_and_month_buckets(dataset):
    weekly = m.rating_tallies(period=OCT, grain=Grain.WEEK)
    assert {k[0]: m.rating_count(v) for k, v in weekly.items()} == {
        dt.date(2026, 10, 5): 1,  # c1 on the 9th
        dt.date(2026, 10, 12): 4,
        dt.date(2026, 10, 19): 1,  # c4
        dt.date(2026, 10, 26): 2,  # c5 (28th), c11 (31st)
    }
    monthly = m.rating_tallies(
        period=period_parse("quarter", "2026-Q3"), grain=Grain.MONTH, by=Dimension.UNIT
    )
    assert {(k[0], k[1]): m.rating_count(v) for k, v in monthly.items()} == {
        (dt.date(2026, 9, 1), dataset.tree.cg_police.pk): 1,
    }


def test_scope_restricts_to_units(dataset):
    tree = dataset.tree
    t = m.rating_tallies(period=OCT, units=[tree.cg_police.pk])[None]
    assert m.rating_count(t) == 3


def test_case_metrics(dataset):
    tree = dataset.tree
    total = m.case_tallies(period=OCT)[None]
    # completed in October: c1-c8, c10, c11 = 10 (c9 in September); rated: all but c6 (excluded)
    # and c10; citizen-rated: c1 c2 c4 c7 c11
    assert (total.completed, total.rated, total.citizen_rated) == (10, 8, 5)
    assert m.rating_rate(total) == m.Ratio(8, 10)
    assert m.unrated_rate(total) == m.Ratio(2, 10)
    assert m.citizen_rating_rate(total) == m.Ratio(5, 10)
    assert m.online_unrated_count(total) == 1  # c10
    by_unit = m.case_tallies(period=OCT, by=Dimension.UNIT)
    assert m.rating_rate(by_unit[tree.police.pk]) == m.Ratio(5, 7)
    assert m.rating_rate(by_unit[tree.cg_police.pk]) == m.Ratio(3, 3)


def test_top_reasons_of_bad_reviews(dataset):
    assert m.top_reasons(period=OCT) == [
        ("113", "very_dissatisfied", 1),
        ("115", "very_dissatisfied", 1),
        ("213", "dissatisfied", 1),
    ]
    assert m.top_reasons(period=OCT, levels=[Level.VERY_SATISFIED]) == [
        ("510", "very_satisfied", 1)
    ]


def test_summaries_equal_the_rollup_and_survive_a_rebuild(dataset):
    from django.db.models import Sum

    from haochaping.results.services import summaries_rebuild

    rollup = RatingRollup.objects.aggregate(n=Sum("count"))["n"]
    assert UnitDayCount.objects.aggregate(n=Sum("count"))["n"] == rollup == 10
    assert UnitMonthCount.objects.aggregate(n=Sum("count"))["n"] == 10
    before = sorted(
        UnitDayCount.objects.filter(count__gt=0).values_list(
            "day", "unit_id", "channel", "level", "origin", "assess_number", "count"
        )
    )
    reasons = sorted(
        ReasonDayCount.objects.filter(count__gt=0).values_list(
            "day", "unit_id", "level", "code", "count"
        )
    )
    # when
    summaries_rebuild()
    # then
    assert (
        sorted(
            UnitDayCount.objects.filter(count__gt=0).values_list(
                "day", "unit_id", "channel", "level", "origin", "assess_number", "count"
            )
        )
        == before
    )
    assert (
        sorted(ReasonDayCount.objects.values_list("day", "unit_id", "level", "code", "count"))
        == reasons
    )


def test_excluding_a_rating_takes_its_reasons_away(dataset):
    from haochaping.ratings.models import Rating
    from haochaping.ratings.services import rating_exclude

    rating = Rating.objects.get(case=dataset.cases["c4"])
    rating_exclude(rating=rating, reason="恶意差评")
    assert m.top_reasons(period=OCT) == [
        ("113", "very_dissatisfied", 1),
        ("115", "very_dissatisfied", 1),
    ]
    assert m.rating_count(m.rating_tallies(period=OCT)[None]) == 7


def test_ratio_formatting():
    assert m.Ratio(0, 0).percent == "—"
    assert m.Ratio(0, 0).value is None
    assert m.Ratio(2, 3).percent == "66.7%"
    assert m.Ratio(1, 8).percent == "12.5%"


def test_bad_review_handling_metrics(dataset, clock):
    from haochaping.accounts.enums import Role
    from haochaping.rectification import services as rect
    from haochaping.rectification.models import Rectification
    from haochaping.testing.builders import make_user

    from .conftest import local

    tree = dataset.tree
    boss = make_user("boss", Role.ADMIN, is_superuser=True)
    r4 = Rectification.objects.get(rating__case=dataset.cases["c4"])
    # given c4's bad review fixed at once within the hour, accepted and called back: satisfied
    clock.move_to(local(2026, 10, 20, 16))
    rect.rectification_fix_at_once(rectification_id=r4.pk, note="当场补办", acting_user=boss)
    rect.rectification_accept_feedback(rectification_id=r4.pk, note="", acting_user=boss)
    rect.rectification_callback(
        rectification_id=r4.pk,
        method="phone",
        outcome="reached",
        satisfaction="satisfied",
        acting_user=boss,
    )
    clock.move_to(local(2026, 11, 5, 12))
    # when
    total = m.rect_tallies(period=OCT)[None]
    by_unit = m.rect_tallies(period=OCT, by=Dimension.UNIT)
    # then: c7's bad review is untouched and overdue
    assert (total.received, total.open, total.overdue) == (2, 1, 1)
    assert m.reply_rate(total) == m.Ratio(1, 2)
    assert m.rectification_rate(total) == m.Ratio(1, 2)
    assert m.callback_rate(total) == m.Ratio(1, 2)
    assert m.callback_satisfaction(total) == m.Ratio(1, 1)
    assert m.on_time_rate(total, "contact") == m.Ratio(1, 1)
    assert m.on_time_rate(total, "feedback") == m.Ratio(1, 1)
    assert m.rectification_rate(by_unit[tree.police.pk]) == m.Ratio(1, 1)
    assert m.reply_rate(by_unit[tree.cg_police.pk]) == m.Ratio(0, 1)
    assert (m.open_bad_reviews().open, m.open_bad_reviews().overdue) == (1, 1)
    assert m.open_bad_reviews(units=[tree.police.pk]).open == 0


def test_supplementary_rating_completion(dataset):
    import datetime as dt

    from haochaping.accounts.enums import Role
    from haochaping.coverage.models import SupplementaryTask
    from haochaping.coverage.services import supplementary_tasks_create, task_phone_answer_record
    from haochaping.testing.builders import make_user

    tree = dataset.tree
    # given c10 (online, completed 23 Oct, unrated) becomes a task
    assert supplementary_tasks_create(run_day=dt.date(2026, 11, 1)) == 1
    before = m.supplementary_tallies(period=OCT)[None]
    assert (before.tasks, before.rated, before.open) == (1, 0, 1)
    assert m.supplementary_completion(before) == m.Ratio(0, 1)
    # when the citizen's answer is recorded by phone on 5 November (after the 5 working days)
    task = SupplementaryTask.objects.get(case=dataset.cases["c10"])
    boss = make_user("boss", Role.ADMIN, is_superuser=True)
    task_phone_answer_record(task_id=task.pk, level="satisfied", acting_user=boss)
    # then
    after = m.supplementary_tallies(period=OCT, by=Dimension.UNIT)[tree.police.pk]
    assert (after.tasks, after.rated, after.open) == (1, 1, 0)
    assert m.supplementary_completion(after) == m.Ratio(1, 1)
    assert m.supplementary_on_time(after) == m.Ratio(0, 1)


def test_appeal_tallies_without_appeals(dataset):
    assert m.appeal_tallies(period=OCT) == {}
    assert m.appeal_tallies(period=OCT, by=Dimension.REGION) == {}
    assert m.appeal_not_adopted_share(m.AppealTally(decided=4, not_adopted=1)) == m.Ratio(1, 4)
    assert m.appeal_on_time(m.AppealTally(decided=4, decided_on_time=3)) == m.Ratio(3, 4)
