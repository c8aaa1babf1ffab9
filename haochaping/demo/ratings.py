"""Ratings for the demo cases, following Lhasa's profile, and one demo integration client.

Lhasa's bulletins show almost only 非常满意 and 满意, with bad reviews around 0.01% (2 of
224,400 in April 2023). Most completed cases are rated soon after completion (hall evaluator,
QR code on the receipt), online cases less often; remote counties key in some paper forms.
At that rate a demo would show no bad review at all, so a handful is added on purpose.

Good ratings are written with bulk_create plus one rollup upsert per key (same reason as in
cases.py: a few months of demo data one rating at a time would take minutes); the bad ones go
through ``rating_submit`` so their events and signals (rectification) run as in production.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import cast

from haochaping.cases.enums import ApplyChannel
from haochaping.cases.models import Case
from haochaping.core.clock import now
from haochaping.demo.context import DemoContext
from haochaping.integration.services import integration_client_create
from haochaping.ratings.enums import Channel, EvaluatorType, Level, Stage
from haochaping.ratings.models import Rating, ReasonOption
from haochaping.ratings.selectors import content_version_current
from haochaping.ratings.services import rating_submit, receipt_new, rollup_add, rollup_key

RATED_SHARE = {
    ApplyChannel.WINDOW: 0.93,
    ApplyChannel.SELF_SERVICE: 0.85,
    ApplyChannel.ONLINE: 0.72,
    ApplyChannel.APP: 0.78,
}
LEVEL_WEIGHTS = [(Level.VERY_SATISFIED, 82.0), (Level.SATISFIED, 15.0), (Level.BASIC, 3.0)]
CHANNELS = {
    ApplyChannel.WINDOW: [
        (Channel.EVALUATOR, 70),
        (Channel.QR_CODE, 20),
        (Channel.PHONE, 5),
        (Channel.SMS, 5),
    ],
    ApplyChannel.ONLINE: [(Channel.PC, 70), (Channel.MOBILE, 20), (Channel.SMS, 10)],
    ApplyChannel.APP: [(Channel.MOBILE, 90), (Channel.SMS, 10)],
    ApplyChannel.SELF_SERVICE: [(Channel.KIOSK, 85), (Channel.QR_CODE, 15)],
}
REMOTE_COUNTIES = {"540121", "540122", "540123"}  # paper forms are keyed in here
BAD_REVIEWS = [
    (Level.VERY_DISSATISFIED, ["113", "114"], "来回跑了三趟,每次要的材料都不一样。"),
    (Level.DISSATISFIED, ["209"], "承诺十个工作日办结,实际等了二十天。"),
    (Level.DISSATISFIED, ["214"], "窗口工作人员态度生硬,不愿意解释。"),
    (Level.DISSATISFIED, ["211", "212"], "网上预约后到大厅还要重新排队取号。"),
    (Level.VERY_DISSATISFIED, ["109"], "要求提供办事指南里没有的证明。"),
]


def _pick(rng, weighted):
    total = sum(w for _v, w in weighted)
    x = rng.random() * total
    for value, weight in weighted:
        x -= weight
        if x <= 0:
            return value
    return weighted[-1][0]


def seed_ratings(ctx: DemoContext) -> None:
    rng = ctx.rng
    version = content_version_current()
    codes_by_level = defaultdict(list)
    for code, level in ReasonOption.objects.filter(version=version).values_list("code", "level"):
        codes_by_level[level].append(code)
    cutoff = now()
    completed = list(
        Case.objects.filter(pk__in=ctx.cases, completed_at__isnull=False, completed_at__lt=cutoff)
        .select_related("unit__region")
        .order_by("completed_at", "pk")
    )
    bad_cases = set()
    window_cases = [c for c in completed if c.apply_channel == ApplyChannel.WINDOW]
    for case in rng.sample(window_cases, min(len(BAD_REVIEWS), len(window_cases))):
        bad_cases.add(case.pk)

    batch: list[Rating] = []
    rollups: dict[tuple, list] = {}
    for case in completed:
        if case.pk in bad_cases or rng.random() > RATED_SHARE.get(
            ApplyChannel(case.apply_channel), 0.8
        ):
            continue
        level = _pick(rng, LEVEL_WEIGHTS)
        channel = _pick(
            rng, CHANNELS.get(ApplyChannel(case.apply_channel), CHANNELS[ApplyChannel.WINDOW])
        )
        paper = (
            case.unit.region.code in REMOTE_COUNTIES
            and channel == Channel.EVALUATOR
            and rng.random() < 0.1
        )
        staff_entered = paper or (channel == Channel.PHONE and rng.random() < 0.5)
        delay = (
            dt.timedelta(minutes=rng.randint(1, 15))
            if channel in (Channel.EVALUATOR, Channel.KIOSK)
            else (dt.timedelta(hours=rng.randint(1, 48)))
        )
        assessed = min(
            cast(dt.datetime, case.completed_at) + delay, cutoff - dt.timedelta(minutes=1)
        )
        options = codes_by_level[level]
        rating = Rating(
            case=case,
            unit=case.unit,
            item_id=case.item_id,
            window_id=case.window_id,
            staff_id=case.staff_id,
            stage=Stage.COMPLETION,
            assess_number=1,
            level=level,
            option_codes=sorted(rng.sample(options, rng.choice([1, 1, 2]))),
            channel=channel,
            is_paper=paper,
            is_staff_entered=staff_entered,
            content_version=version,
            evaluator_type=EvaluatorType.PERSON
            if case.applicant_type == "1"
            else EvaluatorType.LEGAL_PERSON,
            evaluator_name=case.applicant_name,
            evaluator_cert_no=case.applicant_cert_no,
            evaluator_mobile=case.applicant_mobile,
            language=rng.choice(["zh-hans"] * 3 + ["bo"]),
            assessed_at=assessed,
            received_at=assessed,
            receipt=receipt_new(),
        )
        batch.append(rating)
        key = rollup_key(rating)
        if key in rollups:
            rollups[key][1] += 1
        else:
            rollups[key] = [rating, 1]
    Rating.objects.bulk_create(batch, batch_size=2000)
    for sample, count in rollups.values():
        rollup_add(sample, count)

    bad = 0
    for case, (level, codes, text) in zip(
        [c for c in completed if c.pk in bad_cases], BAD_REVIEWS, strict=False
    ):
        assessed_at = min(
            cast(dt.datetime, case.completed_at) + dt.timedelta(minutes=5),
            cutoff - dt.timedelta(minutes=1),
        )
        rating_submit(
            case=case,
            level=level,
            channel=Channel.EVALUATOR,
            option_codes=codes,
            text=text,
            assessed_at=assessed_at,
            evaluator_type=EvaluatorType.PERSON
            if case.applicant_type == "1"
            else EvaluatorType.LEGAL_PERSON,
            evaluator_name=case.applicant_name,
            evaluator_cert_no=case.applicant_cert_no,
            evaluator_mobile=case.applicant_mobile,
            language="zh-hans",
        )
        bad += 1
    ctx.log(
        f"ratings: {len(batch) + bad} ratings of {len(completed)} completed cases ({bad} bad reviews)"
    )

    client, secret = integration_client_create(
        name="演示业务系统 (demo vendor)", scope_code="540100"
    )
    ctx.log(
        f"  integration client for the signed API (docs/api.md): app_id={client.app_id} secret={secret}"
    )
