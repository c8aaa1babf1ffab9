"""Rollup counts always equal counts over the raw ratings."""

import datetime as dt
import random

from django.db.models import Count

from haochaping.core.clock import LOCAL_TZ, now
from haochaping.ratings.enums import Channel, Level, Validity
from haochaping.ratings.models import Rating, RatingRollup
from haochaping.ratings.services import rating_exclude, rating_submit
from haochaping.ratings.tests.helpers import completed_case, record

REASON = {
    Level.VERY_SATISFIED: ["517"],
    Level.SATISFIED: ["413"],
    Level.BASIC: ["314"],
    Level.DISSATISFIED: ["214"],
    Level.VERY_DISSATISFIED: ["115"],
}


def _raw_counts():
    rows = Rating.objects.filter(validity=Validity.VALID).values(
        "unit_id",
        "item_id",
        "window_id",
        "staff_id",
        "channel",
        "level",
        "assess_number",
        "is_paper",
        "is_staff_entered",
        "is_system_default",
        "assessed_at",
    )
    counts = {}
    for r in rows:
        origin = (
            "default"
            if r["is_system_default"]
            else "paper"
            if r["is_paper"]
            else "staff"
            if r["is_staff_entered"]
            else "citizen"
        )
        key = (
            r["assessed_at"].astimezone(LOCAL_TZ).date(),
            r["unit_id"],
            r["item_id"] or 0,
            r["window_id"] or 0,
            r["staff_id"] or 0,
            r["channel"],
            r["level"],
            origin,
            r["assess_number"],
        )
        counts[key] = counts.get(key, 0) + 1
    return counts


def _rollup_counts():
    return {
        (
            r.day,
            r.unit_id,
            r.item_key,
            r.window_key,
            r.staff_key,
            r.channel,
            r.level,
            r.origin,
            r.assess_number,
        ): r.count
        for r in RatingRollup.objects.filter(count__gt=0)
    }


def test_rollups_equal_raw_counts(org_tree, city_client):
    # given: 60 ratings over two items, a window and staff, all channels and levels, two days
    rng = random.Random(5)
    for i in range(60):
        case = completed_case(
            org_tree,
            days_ago=2,
            item_key=rng.choice(["id_card", "cg_hukou"]),
            window=org_tree.window if i % 3 == 0 else None,
        )
        level = rng.choice(list(Level))
        assessed = now() - dt.timedelta(hours=rng.choice([1, 30]))
        if i % 2:
            response = city_client.post(
                "/api/v1/ratings",
                record(
                    case,
                    satisfaction=[5, 4, 3, 2, 1][list(Level).index(level)],
                    evalDetail=REASON[level][0],
                    pf=int(rng.choice(Channel.values)),
                    staffEntered=i % 5 == 0,
                    assessTime=assessed.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                ),
            )
            assert response.status_code == 201, response.content
        else:
            rating_submit(
                case=case,
                level=level,
                channel=rng.choice(Channel.values),
                assessed_at=assessed,
                option_codes=REASON[level],
                is_paper=i % 4 == 0,
            )
    # when: two ratings are excluded
    for rating in Rating.objects.order_by("id")[:2]:
        rating_exclude(rating=rating, reason="经复核为误评")
    # then
    assert _rollup_counts() == _raw_counts()
    assert sum(_rollup_counts().values()) == 58
    assert Rating.objects.values("level").annotate(n=Count("id")).count() == 5
