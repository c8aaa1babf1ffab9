"""Every figure in the report tables equals the metrics module's, on the hand-made dataset."""

from __future__ import annotations

import pytest

from haochaping.org.models import Region, Unit
from haochaping.ratings.enums import Origin
from haochaping.reporting import builders
from haochaping.reporting.builders import ratio
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension, Grain
from haochaping.results.periods import period_parse

pytestmark = pytest.mark.django_db

OCT = period_parse("month", "2026-10")


def _table(data, key):
    return next(t for t in data["tables"] if t["key"] == key)


def _rows_by_name(table):
    keys = [c["key"] for c in table["columns"]]
    return {row[0]: dict(zip(keys, row, strict=True)) for row in table["rows"]}


def _expected_rating(t: m.RatingTally) -> dict:
    return {
        "ratings": m.rating_count(t),
        **{f"level_{lv}": m.level_count(t, lv) for lv in m.LEVELS},
        "good_rate": ratio(m.good_rate(t)),
        "satisfaction_rate": ratio(m.satisfaction_rate(t)),
        "bad": m.bad_rate(t).num,
        "bad_rate": ratio(m.bad_rate(t)),
        "citizen_ratings": m.citizen_rating_count(t),
        "citizen_good_rate": ratio(m.citizen_good_rate(t)),
        "staff_entered_share": ratio(m.origin_share(t, Origin.STAFF_ENTERED)),
        "follow_ups": m.follow_up_count(t),
    }


def _expected_cases(c: m.CaseTally) -> dict:
    return {
        "completed": c.completed,
        "rating_rate": ratio(m.rating_rate(c)),
        "unrated_rate": ratio(m.unrated_rate(c)),
        "citizen_rating_rate": ratio(m.citizen_rating_rate(c)),
        "online_unrated": m.online_unrated_count(c),
    }


def _expected_rect(r: m.RectTally) -> dict:
    return {
        "received": r.received,
        "reply_rate": ratio(m.reply_rate(r)),
        "rectification_rate": ratio(m.rectification_rate(r)),
        "callback_rate": ratio(m.callback_rate(r)),
        "callback_satisfaction": ratio(m.callback_satisfaction(r)),
        "contact_on_time": ratio(m.on_time_rate(r, "contact")),
        "feedback_on_time": ratio(m.on_time_rate(r, "feedback")),
        "close_on_time": ratio(m.on_time_rate(r, "close")),
        "closed": r.closed,
        "open": r.open,
        "overdue": r.overdue,
    }


def _assert_tables_equal_metrics(data, period):
    # by unit
    by_unit = m.rating_tallies(period=period, by=Dimension.UNIT)
    cases_unit = m.case_tallies(period=period, by=Dimension.UNIT)
    names = dict(Unit.objects.values_list("pk", "name"))
    rows = _rows_by_name(_table(data, "units"))
    assert set(rows) == {names[k] for k in set(by_unit) | set(cases_unit)}
    for k in set(by_unit) | set(cases_unit):
        row = rows[names[k]]
        assert row == {
            "unit": names[k],
            **_expected_rating(by_unit.get(k, m.RatingTally())),
            **_expected_cases(cases_unit.get(k, m.CaseTally())),
        }
    # by county / district
    by_region = m.rating_tallies(period=period, by=Dimension.REGION)
    cases_region = m.case_tallies(period=period, by=Dimension.REGION)
    region_names = dict(Region.objects.values_list("pk", "name"))
    rows = _rows_by_name(_table(data, "regions"))
    assert set(rows) == {region_names[k] for k in set(by_region) | set(cases_region)}
    for k in set(by_region) | set(cases_region):
        assert rows[region_names[k]] == {
            "region": region_names[k],
            **_expected_rating(by_region.get(k, m.RatingTally())),
            **_expected_cases(cases_region.get(k, m.CaseTally())),
        }
    # bad-review handling (open / overdue as of the report's time)
    import datetime as dt

    as_of = dt.datetime.fromisoformat(data["as_of"])
    rects = m.rect_tallies(period=period, by=Dimension.UNIT, at=as_of)
    rows = _rows_by_name(_table(data, "bad_review_handling"))
    assert set(rows) == {names[k] for k in rects}
    for k, r in rects.items():
        assert rows[names[k]] == {"unit": names[k], **_expected_rect(r)}
    # headline
    total = m.rating_tallies(period=period)[None]
    cases = m.case_tallies(period=period)[None]
    rect_total = m.rect_tallies(period=period, at=as_of)[None]
    headline = {f["key"]: f["value"] for f in data["headline"]}
    expected = {**_expected_rating(total), **_expected_cases(cases), **_expected_rect(rect_total)}
    assert headline == {k: expected[k] for k in headline}
    # top reasons
    assert [(r[0], r[2], r[3]) for r in _table(data, "top_reasons")["rows"]] == m.top_reasons(
        period=period
    )


def test_monthly_bulletin_figures_equal_metrics(dataset):
    # given the October dataset; when
    data = builders.gather("monthly_bulletin", "2026-10")
    # then
    _assert_tables_equal_metrics(data, OCT)
    assert [t["key"] for t in data["tables"]] == [
        "regions",
        "units",
        "bad_review_handling",
        "top_reasons",
    ]
    headline = {f["key"]: f["value"] for f in data["headline"]}
    # the hand-counted numbers of results/tests/conftest.py
    assert headline["ratings"] == 8
    assert headline["good_rate"] == {"n": 4, "d": 8}
    assert headline["received"] == 2
    assert data["charts"]["levels"] == {
        "very_satisfied": 1,
        "satisfied": 3,
        "basic": 2,
        "dissatisfied": 1,
        "very_dissatisfied": 1,
    }


def test_public_bulletin_carries_no_personal_data(dataset):
    # given / when
    public = builders.gather("monthly_bulletin", "2026-10")
    internal = builders.gather("monthly_bad_reviews", "2026-10")
    # then: case numbers, names and mobiles appear only in the internal report, masked
    text = repr(public)
    for case in dataset.cases.values():
        assert case.project_no not in text
    assert "卓" not in text and "1391" not in text
    bad = _table(internal, "bad_reviews")
    assert [row[0] for row in bad["rows"]] == ["城关区公安分局", "拉萨市公安局"]
    assert bad["rows"][1][1] == dataset.cases["c4"].project_no
    assert bad["rows"][1][3:7] == ["dissatisfied", "213", "卓*", "139****5678"]
    assert "13912345678" not in repr(internal)
    # every column of a row, from the rectification and its rating as stored
    from haochaping.rectification.models import Rectification

    rect = Rectification.objects.select_related("rating__item").get(
        case__project_no=dataset.cases["c4"].project_no
    )

    def local(moment):
        return moment.astimezone(m.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""

    assert bad["rows"][1] == [
        "拉萨市公安局",
        rect.case.project_no,
        rect.rating.item.name,
        "dissatisfied",
        "213",
        "卓*",
        "139****5678",
        local(rect.opened_at),
        str(rect.status),
        local(rect.contacted_at),
        local(rect.closed_at),
    ]


def test_quarterly_trend_equals_metrics(dataset):
    # given / when
    data = builders.gather("quarterly", "2026Q4".replace("Q", "-Q"))
    # then
    q4 = period_parse("quarter", "2026-Q4")
    _assert_tables_equal_metrics(data, q4)
    trend = _table(data, "trend")
    tallies = m.rating_tallies(period=q4, grain=Grain.MONTH)
    cases = m.case_tallies(period=q4, grain=Grain.MONTH)
    keys = [c["key"] for c in trend["columns"]]
    assert [r[0] for r in trend["rows"]] == ["2026-10", "2026-11", "2026-12"]
    for row, start in zip(
        trend["rows"], (OCT.start, OCT.next().start, OCT.next().next().start), strict=True
    ):
        got = dict(zip(keys, row, strict=True))
        assert got == {
            "period": row[0],
            **_expected_rating(tallies.get((start, None), m.RatingTally())),
            **_expected_cases(cases.get((start, None), m.CaseTally())),
        }


def test_annual_assessment_scores_follow_the_stated_formula(dataset):
    # given / when
    data = builders.gather("annual", "2026")
    # then the figures equal the metrics
    _assert_tables_equal_metrics(data, period_parse("year", "2026"))
    table = _rows_by_name(_table(data, "assessment"))
    tree = dataset.tree
    police, cg = table[tree.police.name], table[tree.cg_police.name]
    # police: 5 ratings, 2 good, 1 bad; its one bad review (c4) neither contacted nor closed;
    # no fix rated -> callback satisfaction left out, the weights renormalised over 0.85:
    # 100 * (0.4 * 2/5 + 0.2 * 4/5 + 0.15 * 0 + 0.1 * 0) / 0.85 = 37.647...
    assert police["ratings"] == 5
    assert police["good_rate"] == {"n": 2, "d": 5}
    assert police["not_bad_rate"] == {"n": 4, "d": 5}
    assert police["reply_rate"] == {"n": 0, "d": 1}
    assert police["callback_satisfaction"] == {"n": 0, "d": 0}
    assert police["score"] == 37.65
    # 城关区公安分局: c7 (bad), c8, c9 (September), c11 -> 3 good of 4, 1 bad review:
    # 100 * (0.4 * 3/4 + 0.2 * 3/4) / 0.85 = 52.94
    assert cg["ratings"] == 4
    assert cg["score"] == 52.94
    # best score first
    assert [r[0] for r in _table(data, "assessment")["rows"]] == [cg["unit"], police["unit"]]
    assert data["formula"]["weights"] == {
        "good_rate": 0.4,
        "not_bad_rate": 0.2,
        "reply_rate": 0.15,
        "rectification_rate": 0.1,
        "callback_satisfaction": 0.15,
    }
