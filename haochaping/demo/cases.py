"""Cases over the chosen months following Lhasa's volume profile (DOMAIN.md §10).

Lhasa handled about 7,500 rated services a working day in 2023, with Chengguan the busiest
county and most volume at the city hall and a few departments (only 8 of 23 city departments
produced ratings at all). ``ctx.scale`` takes a share of that volume; cases fall on working days
only, during office hours. Rows are written with bulk_create in batches: the data is valid by
construction (codes come from the same generators the validators are tested against), and
going through case_create() one row at a time would make a demo of a few months take minutes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from haochaping.cases.enums import ApplicantType, ApplyChannel, CaseStatus
from haochaping.cases.models import Case
from haochaping.core.clock import LOCAL_TZ
from haochaping.demo.context import DemoContext
from haochaping.demo.lhasa_org import person_name
from haochaping.testing.builders import make_credit_code, make_id_number

CITY_DAILY_VOLUME = 7_500
REGION_SHARE = {
    "540100": 0.38,
    "540102": 0.16,
    "540103": 0.10,
    "540104": 0.05,
    "540121": 0.05,
    "540122": 0.04,
    "540123": 0.03,
    "540124": 0.05,
    "540127": 0.05,
    "540172": 0.07,
    "540171": 0.005,
    "540173": 0.01,
    "540174": 0.005,
}
FAMILY_WEIGHT = {
    "gongan": 10,
    "shichang": 6,
    "renshe": 6,
    "yibao": 5,
    "gongjijin": 5,
    "ziran": 4,
    "minzheng": 3,
    "shenpi": 3,
    "dianli": 3,
    "zhujian": 2,
    "jiaotong": 2,
    "weijian": 2,
    "gongshui": 2,
    "nongye": 1.5,
    "gov": 1,
}
COMPANY_SUFFIXES = [
    "商贸有限公司",
    "建筑工程有限公司",
    "旅游开发有限公司",
    "农牧业专业合作社",
    "餐饮管理有限公司",
]


def _is_workday(day: dt.date, ctx: DemoContext) -> bool:
    checker = getattr(ctx, "is_workday", None)
    return checker(day) if checker else day.weekday() < 5


def _pick_weighted(rng, entries):
    total = sum(w for _, w in entries)
    x = rng.random() * total
    for value, weight in entries:
        x -= weight
        if x <= 0:
            return value
    return entries[-1][0]


def seed_cases(ctx: DemoContext) -> None:
    rng = ctx.rng
    items_by_unit = defaultdict(list)
    for item in ctx.items:
        items_by_unit[item.unit_id].append(item)
    windows_by_unit = defaultdict(list)
    for window in ctx.windows:
        windows_by_unit[window.unit_id].append(window)
    staff_by_window = defaultdict(list)
    for staff in ctx.staff:
        staff_by_window[staff.window_id].append(staff)

    weighted_units = []
    for key, unit in ctx.units.items():
        if not items_by_unit[unit.pk]:
            continue
        _scope, family = key.split(":", 1)
        region_code = unit.region.code
        weight = REGION_SHARE.get(region_code, 0.001) * FAMILY_WEIGHT.get(family, 0.3)
        weighted_units.append((unit, weight))

    now_local = dt.datetime.combine(ctx.until, dt.time(18, 30), tzinfo=LOCAL_TZ)
    daily = CITY_DAILY_VOLUME * ctx.scale
    batch: list[Case] = []
    total = 0
    day = ctx.since
    while day <= ctx.until:
        if _is_workday(day, ctx):
            count = max(0, round(rng.gauss(daily, daily * 0.15)))
            pools = (weighted_units, items_by_unit, windows_by_unit, staff_by_window)
            batch.extend(_make_case(ctx, day, seq, *pools, now_local) for seq in range(count))
            if len(batch) >= 2000:
                total += _flush(ctx, batch)
        day += dt.timedelta(days=1)
    total += _flush(ctx, batch)
    ctx.log(f"cases: {total} cases from {ctx.since} to {ctx.until} (scale {ctx.scale:g})")


def _flush(ctx: DemoContext, batch: list[Case]) -> int:
    created = Case.objects.bulk_create(batch)
    ctx.cases.extend(c.pk for c in created if c.pk)
    n = len(batch)
    batch.clear()
    return n


def _make_case(
    ctx, day, seq, weighted_units, items_by_unit, windows_by_unit, staff_by_window, now_local
) -> Case:
    rng = ctx.rng
    unit = _pick_weighted(rng, weighted_units)
    item = rng.choice(items_by_unit[unit.pk])
    if item.online_capable:
        channel = _pick_weighted(
            rng,
            [
                (ApplyChannel.WINDOW, 55),
                (ApplyChannel.ONLINE, 25),
                (ApplyChannel.APP, 15),
                (ApplyChannel.SELF_SERVICE, 5),
            ],
        )
    else:
        channel = _pick_weighted(rng, [(ApplyChannel.WINDOW, 95), (ApplyChannel.SELF_SERVICE, 5)])
    window = staff = None
    if channel == ApplyChannel.WINDOW and windows_by_unit[unit.pk]:
        window = rng.choice(windows_by_unit[unit.pk])
        staff = rng.choice(staff_by_window[window.pk]) if staff_by_window[window.pk] else None
    minute = rng.randrange(9 * 60 + 30, 18 * 60)
    accepted = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=LOCAL_TZ)
    if item.case_type == "1":
        completed: dt.datetime | None = accepted + dt.timedelta(minutes=rng.randrange(5, 90))
    else:
        # Promised days are working days; 1.4 calendar days each is close enough for demo data.
        days = max(1, round(item.promised_days * rng.uniform(0.3, 1.4)))
        completed = accepted + dt.timedelta(days=days, minutes=rng.randrange(0, 240))
    if completed > now_local:
        completed = None
    region_code = unit.region.code
    if rng.random() < 0.85:
        applicant_type = ApplicantType.PERSON
        name = person_name(ctx)
        cert = make_id_number(
            region_code,
            dt.date(rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29)),
            rng.randrange(1000),
        )
    else:
        applicant_type = ApplicantType.LEGAL_PERSON
        name = "拉萨" + person_name(ctx) + rng.choice(COMPANY_SUFFIXES)
        cert = make_credit_code(region_code, rng.randrange(10**8), prefix="91")
    return Case(
        project_no=f"{region_code}{day:%Y%m%d}{seq:06d}",
        item=item,
        unit=unit,
        window=window,
        staff=staff,
        applicant_type=applicant_type,
        applicant_name=name,
        applicant_cert_no=cert,
        applicant_mobile=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        apply_channel=channel,
        accepted_at=accepted,
        completed_at=completed,
        status=CaseStatus.COMPLETED if completed else CaseStatus.ACCEPTED,
    )
