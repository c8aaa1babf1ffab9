"""The summary triggers count a multi-row statement exactly as they count the same rows one by one.

On PostgreSQL the triggers are statement-level (one call per statement over transition tables),
on SQLite row-level; both must give the same summaries. The same ratings and rollup changes are
written twice: for unit A one statement per row, for unit B as multi-row statements (a bulk
insert, a multi-row upsert that both inserts and updates, a bulk validity update, a multi-row
decrement). The summary rows of A and B must then be equal, and equal to a rebuild from scratch.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.db.models import F

from haochaping.core.clock import LOCAL_TZ
from haochaping.ratings.enums import Channel, Level, Validity
from haochaping.ratings.models import Rating, RatingRollup
from haochaping.ratings.selectors import content_version_current
from haochaping.ratings.services import _ROLLUP_KEY, receipt_new, rollup_key
from haochaping.results.models import ReasonDayCount, UnitDayCount, UnitMonthCount

pytestmark = pytest.mark.django_db

SPECS = [
    # (level, channel, options, assess number, local day/hour, staff-entered)
    (Level.VERY_SATISFIED, Channel.EVALUATOR, ["510"], 1, (2026, 10, 9, 11), False),
    (Level.VERY_SATISFIED, Channel.EVALUATOR, ["510", "513"], 1, (2026, 10, 9, 12), False),
    (Level.SATISFIED, Channel.PC, [], 1, (2026, 10, 9, 23), False),  # 23:00 local: still the 9th
    (Level.DISSATISFIED, Channel.PC, ["213"], 1, (2026, 10, 31, 23), False),  # month's last day
    (Level.VERY_DISSATISFIED, Channel.QR_CODE, ["113", "115"], 1, (2026, 11, 1, 0), False),
    (Level.BASIC, Channel.PHONE, ["314"], 1, (2026, 11, 1, 9), True),
    (
        Level.SATISFIED,
        Channel.QR_CODE,
        ["413"],
        2,
        (2026, 11, 2, 9),
        False,
    ),  # follow-up: no reasons
]
EXCLUDED = {1, 4}  # indexes of SPECS excluded afterwards


def _ratings(unit) -> list[Rating]:
    version = content_version_current()
    out = []
    for level, channel, options, number, (y, m, d, h), staff in SPECS:
        at = dt.datetime(y, m, d, h, tzinfo=LOCAL_TZ)
        out.append(
            Rating(
                unit=unit,
                level=level,
                channel=channel,
                option_codes=options,
                assess_number=number,
                is_staff_entered=staff,
                content_version=version,
                assessed_at=at,
                received_at=at,
                receipt=receipt_new(),
            )
        )
    return out


def _upsert(rows: list[tuple]) -> None:
    """One ``INSERT ... VALUES (..), (..) ON CONFLICT DO UPDATE`` statement for all ``rows``."""
    table = RatingRollup._meta.db_table
    cols = ", ".join(_ROLLUP_KEY)
    values = ", ".join(["(" + ", ".join(["%s"] * (len(_ROLLUP_KEY) + 1)) + ")"] * len(rows))
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({cols}, count) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({cols}) DO UPDATE SET count = {table}.count + excluded.count",
            [v for row in rows for v in row],
        )


def _snapshot(unit_id: int) -> dict[str, Counter]:
    def rows(model, *fields):
        return Counter(
            {
                values[:-1]: values[-1]
                for values in model.objects.filter(unit_id=unit_id, count__gt=0).values_list(
                    *fields, "count"
                )
            }
        )

    key = ("channel", "level", "origin", "assess_number")
    return {
        "day": rows(UnitDayCount, "day", *key),
        "month": rows(UnitMonthCount, "month", *key),
        "reason": rows(ReasonDayCount, "day", "level", "code"),
    }


def test_multi_row_statements_count_like_row_by_row(org_tree):
    unit_a, unit_b = org_tree.police, org_tree.cg_police
    # given: unit A written one statement per row
    one_by_one = _ratings(unit_a)
    for rating in one_by_one:
        rating.save(force_insert=True)
        _upsert([(*rollup_key(rating), 1)])
    # and unit B as multi-row statements: a bulk insert of the ratings, then the rollup with
    # one row present already (so the upsert both updates and inserts in one statement)
    bulk = Rating.objects.bulk_create(_ratings(unit_b))
    assert all(r.pk for r in bulk)
    keys = Counter(rollup_key(r) for r in bulk)
    first, *rest = keys.items()
    _upsert([(*first[0], first[1])])
    _upsert([(*key, n) for key, n in rest])
    # then
    assert _snapshot(unit_a.pk) == _snapshot(unit_b.pk)
    assert sum(_snapshot(unit_b.pk)["day"].values()) == len(SPECS)
    assert _snapshot(unit_b.pk)["reason"][(dt.date(2026, 10, 31), "dissatisfied", "213")] == 1

    # when: two ratings excluded, A one at a time, B in one UPDATE each for ratings and rollup
    for i in sorted(EXCLUDED):
        Rating.objects.filter(pk=one_by_one[i].pk).update(
            validity=Validity.EXCLUDED, excluded_reason="test"
        )
        RatingRollup.objects.filter(
            **dict(zip(_ROLLUP_KEY, rollup_key(one_by_one[i]), strict=True))
        ).update(count=F("count") - 1)
    Rating.objects.filter(pk__in=[bulk[i].pk for i in EXCLUDED]).update(
        validity=Validity.EXCLUDED, excluded_reason="test"
    )
    decrement = [rollup_key(bulk[i]) for i in EXCLUDED]
    RatingRollup.objects.filter(
        pk__in=[
            RatingRollup.objects.get(**dict(zip(_ROLLUP_KEY, key, strict=True))).pk
            for key in decrement
        ]
    ).update(count=F("count") - 1)
    # then
    after_a, after_b = _snapshot(unit_a.pk), _snapshot(unit_b.pk)
    assert after_a == after_b
    assert sum(after_b["day"].values()) == len(SPECS) - len(EXCLUDED)
    assert (dt.date(2026, 11, 1), "very_dissatisfied", "113") not in after_b["reason"]
    assert after_b["reason"][(dt.date(2026, 10, 9), "very_satisfied", "510")] == 1

    # and a rebuild from scratch agrees with what the triggers kept
    from haochaping.results.services import summaries_rebuild

    summaries_rebuild()
    assert _snapshot(unit_a.pk) == after_a
    assert _snapshot(unit_b.pk) == after_b


def test_triggers_lost_to_a_table_rebuild_come_back_after_migrate(org_tree):
    from haochaping.results.triggers import ensure_installed

    # given: every trigger present after migrate, then one lost (as SQLite's table rebuild does)
    assert ensure_installed(using="default") is False
    name = "results_reason_ai" if connection.vendor == "sqlite" else "results_reason_ins"
    with connection.cursor() as cur:
        cur.execute(
            f"DROP TRIGGER {name}"
            + ("" if connection.vendor == "sqlite" else f" ON {Rating._meta.db_table}")
        )
    # when
    assert ensure_installed(using="default") is True
    # then: a new valid first rating counts its reason codes again
    rating = _ratings(org_tree.police)[0]
    rating.save(force_insert=True)
    assert _snapshot(org_tree.police.pk)["reason"] == {
        (dt.date(2026, 10, 9), "very_satisfied", "510"): 1
    }
