"""A hand-made dataset with known counts (see test_metrics.py for the expected numbers).

October 2026, the clock at 2026-11-05 12:00 Lhasa time. Every rating goes through
``rating_submit`` (so the rollup, the summaries and the rectifications are what production
would hold); one rating is excluded through ``rating_exclude``.

  police (city department, region 拉萨市)
    c1 very_satisfied citizen  evaluator(4)      c2 satisfied citizen evaluator(4)
    c3 basic          staff    phone(6)          c4 dissatisfied citizen PC(1) reason 213
    c5 basic          default  mobile(2)         c6 very_satisfied citizen evaluator(4) EXCLUDED
    c10 online case completed, never rated
  cg_police (城关区)
    c7 very_dissatisfied citizen QR(3) reasons 113,115, then a follow-up "satisfied"
    c8 satisfied paper evaluator(4)
    c9 satisfied citizen mobile(2) in September (outside October)
    c11 online case, satisfied citizen mobile(2)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from haochaping.core.clock import LOCAL_TZ
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_exclude, rating_submit
from haochaping.testing.builders import OrgTree, make_case

NOW = dt.datetime(2026, 11, 5, 12, 0, tzinfo=LOCAL_TZ)


def local(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Dataset:
    tree: OrgTree
    cases: dict


_TRAVELLER: list = []


def _rate(case, level, channel, when, **kw):
    # the clock moves to just after the assessment, so bad reviews open then (as in production)
    if _TRAVELLER:
        _TRAVELLER[-1].move_to(when + dt.timedelta(minutes=1))
    return rating_submit(case=case, level=level, channel=channel, assessed_at=when, **kw).rating


def build_dataset(tree: OrgTree) -> Dataset:
    cases = {}

    def case(name, item_key="id_card", *, day, **kw):
        cases[name] = make_case(
            tree,
            item_key=item_key,
            accepted_at=local(2026, 9, 1),
            completed_at=day,
            **kw,
        )
        return cases[name]

    police_kw = {"window": tree.window, "staff": tree.staff}
    _rate(
        case("c1", day=local(2026, 10, 9), **police_kw),
        Level.VERY_SATISFIED,
        Channel.EVALUATOR,
        local(2026, 10, 9, 11),
        option_codes=["510"],
    )
    _rate(
        case("c2", day=local(2026, 10, 12), **police_kw),
        Level.SATISFIED,
        Channel.EVALUATOR,
        local(2026, 10, 12, 11),
    )
    _rate(
        case("c3", day=local(2026, 10, 12)),
        Level.BASIC,
        Channel.PHONE,
        local(2026, 10, 13, 11),
        is_staff_entered=True,
    )
    _rate(
        case("c4", day=local(2026, 10, 20)),
        Level.DISSATISFIED,
        Channel.PC,
        local(2026, 10, 20, 15),
        option_codes=["213"],
        evaluator_name="卓玛",
        evaluator_mobile="13912345678",
    )
    _rate(
        case("c5", day=local(2026, 10, 21)),
        Level.BASIC,
        Channel.MOBILE,
        local(2026, 10, 28, 11),
        is_system_default=True,
    )
    r6 = _rate(
        case("c6", day=local(2026, 10, 22), **police_kw),
        Level.VERY_SATISFIED,
        Channel.EVALUATOR,
        local(2026, 10, 22, 11),
    )
    rating_exclude(rating=r6, reason="刷好评")
    case("c10", day=local(2026, 10, 23), apply_channel="online")
    _rate(
        case("c7", "cg_hukou", day=local(2026, 10, 14)),
        Level.VERY_DISSATISFIED,
        Channel.QR_CODE,
        local(2026, 10, 14, 18),
        option_codes=["113", "115"],
    )
    _rate(cases["c7"], Level.SATISFIED, Channel.QR_CODE, local(2026, 10, 30, 9), assess_number=2)
    _rate(
        case("c8", "cg_hukou", day=local(2026, 10, 15)),
        Level.SATISFIED,
        Channel.EVALUATOR,
        local(2026, 10, 15, 12),
        is_paper=True,
    )
    _rate(
        case("c9", "cg_hukou", day=local(2026, 9, 30)),
        Level.SATISFIED,
        Channel.MOBILE,
        local(2026, 9, 30, 20),
    )
    _rate(
        case("c11", "cg_hukou", day=local(2026, 10, 31, 23), apply_channel="app"),
        Level.SATISFIED,
        Channel.MOBILE,
        local(
            2026,
            10,
            31,
            23,
        ),
    )
    return Dataset(tree, cases)


@pytest.fixture
def dataset(org_tree, clock) -> Dataset:
    from haochaping.results.services import case_counts_refresh

    _TRAVELLER.append(clock)
    try:
        data = build_dataset(org_tree)
    finally:
        _TRAVELLER.pop()
        clock.move_to(NOW)
    case_counts_refresh(start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 6))
    return data
