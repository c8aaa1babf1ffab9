"""Rankings: Wilson lower bound, the minimum sample, weights, ties, and the query count."""

from __future__ import annotations

import pytest

from haochaping.results import metrics as m
from haochaping.results.enums import RankingKind
from haochaping.results.periods import period_parse
from haochaping.results.ranking import (
    RankRow,
    rank_rows,
    ranking,
    ranking_config,
    wilson_lower_bound,
)

OCT = period_parse("month", "2026-10")


def tally(good: int, basic: int = 0, bad: int = 0) -> m.RatingTally:
    t = m.RatingTally()
    t.add(level="satisfied", origin="citizen", assess_number=1, n=good)
    t.add(level="basic", origin="citizen", assess_number=1, n=basic)
    t.add(level="dissatisfied", origin="citizen", assess_number=1, n=bad)
    return t


def row(key: str, t: m.RatingTally, rect: m.RectTally | None = None) -> RankRow:
    return RankRow(key=key, label=key, label_bo="", ratings=m.rating_count(t), tally=t, rect=rect)


def test_wilson_lower_bound_known_values():
    assert wilson_lower_bound(0, 0) is None
    assert round(wilson_lower_bound(3, 3), 4) == 0.4385
    assert round(wilson_lower_bound(950, 1000), 4) == 0.9347
    assert round(wilson_lower_bound(1, 2), 4) == 0.0945
    assert wilson_lower_bound(0, 10) == 0.0


def test_three_perfect_ratings_cannot_top_the_table():
    # given a unit with 3 of 3 good ratings and one with 950 of 1000
    config = ranking_config({"MIN_RATINGS": 3, "WEIGHTS": {"good_rate": 1}})
    small, big = row("small", tally(3)), row("big", tally(950, bad=50))
    # when
    ranked, insufficient = rank_rows([small, big], config)
    # then
    assert [r.key for r in ranked] == ["big", "small"]
    assert (big.rank, small.rank) == (1, 2)
    assert insufficient == []


def test_units_under_the_minimum_sample_are_listed_apart_without_rank():
    config = ranking_config({"MIN_RATINGS": 30, "WEIGHTS": {"good_rate": 1}})
    rows = [
        row("a", tally(29)),
        row("b", tally(30)),
        row("c", tally(0)),
        row("d", tally(40, bad=5)),
    ]
    ranked, insufficient = rank_rows(rows, config)
    assert [r.key for r in ranked] == ["b", "d"]
    assert [r.key for r in insufficient] == ["a", "c"]
    assert all(r.rank is None and not r.sufficient for r in insufficient)


def test_missing_components_renormalise_and_weights_apply():
    config = ranking_config({"MIN_RATINGS": 1, "WEIGHTS": {"good_rate": 0.5, "reply_rate": 0.5}})
    no_bad = row("no-bad", tally(100), m.RectTally())
    late = row("late", tally(100), m.RectTally(received=10, contacted_in_time=0))
    rank_rows([no_bad, late], config)
    good_lb = wilson_lower_bound(100, 100)
    assert no_bad.score == pytest.approx(good_lb)  # reply rate has no data: left out
    assert late.score == pytest.approx(0.5 * good_lb + 0.5 * 0.0)
    assert [c.name for c in late.components] == ["good_rate", "reply_rate"]


def test_ties_share_a_rank():
    config = ranking_config({"MIN_RATINGS": 1, "WEIGHTS": {"good_rate": 1}})
    ranked, _ = rank_rows(
        [row("x", tally(50)), row("y", tally(50)), row("z", tally(10, bad=40))], config
    )
    assert [(r.key, r.rank) for r in ranked] == [("x", 1), ("y", 1), ("z", 3)]


def test_unknown_component_is_refused():
    with pytest.raises(ValueError, match="unknown ranking components"):
        ranking_config({"WEIGHTS": {"beauty": 1}})


@pytest.mark.django_db
def test_unit_ranking_on_the_dataset(dataset):
    tree = dataset.tree
    # when: a minimum sample of 3 ranks both units that have ratings
    result = ranking(kind=RankingKind.UNIT, period=OCT, config={"MIN_RATINGS": 3})
    # then
    assert [r.key for r in result.ranked] == [tree.cg_police.pk, tree.police.pk]
    cg, police = result.ranked
    w = wilson_lower_bound
    assert police.score == pytest.approx((0.4 * w(2, 5) + 0.2 * w(4, 5)) / 0.85)
    assert cg.score == pytest.approx((0.4 * w(2, 3) + 0.2 * w(2, 3)) / 0.85)
    assert police.ratings == 5
    assert {c.name: (c.ratio.num, c.ratio.den) for c in police.components} == {
        "good_rate": (2, 5),
        "not_bad_rate": (4, 5),
        "reply_rate": (0, 1),
        "rectification_rate": (0, 1),
        "callback_satisfaction": (0, 0),
    }
    # units without ratings are listed as too little data
    assert tree.bureau.pk in {r.key for r in result.insufficient}
    # with the default minimum of 30 nobody is ranked
    default = ranking(kind=RankingKind.UNIT, period=OCT)
    assert default.ranked == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(RankingKind))
def test_ranking_query_count_does_not_grow_with_ratings(
    dataset, django_assert_max_num_queries, kind
):
    with django_assert_max_num_queries(5):
        ranking(kind=kind, period=OCT)
