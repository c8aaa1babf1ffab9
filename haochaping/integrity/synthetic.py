# ruff: noqa: PERF401, S311 - event lists built in readable loops; a seeded PRNG is the point here
"""Labelled synthetic rating traffic with injected fraud patterns, and the evaluation of checks.

Every rating goes through the real services (hall tablets: device pairing, prompt, tablet
submission; QR and SMS links; web/app submissions; 12345 and paper entries keyed in by staff)
with the clock moved to the simulated moment (time-machine), so the checks see exactly what
they would see in production. Fixture rows (org, cases) are made with the ordinary services
too. Each rating carries a label: ``clean`` or the pattern injected; precision and recall of
each check are computed against those labels. Everything runs in one transaction that is
rolled back at the end unless ``keep=True``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from haochaping.core.clock import LOCAL_TZ, now
from haochaping.core.exceptions import ApplicationError, InvalidInput
from haochaping.integrity.checks import active_checks, cache_clear
from haochaping.integrity.models import Flag

CLEAN = "clean"
# The pattern each check is meant to catch (the label it is scored against).
TARGET = {
    "token": "token",
    "velocity": "velocity",
    "top_burst": "top_burst",
    "staff_self": "staff_self",
    "short_time": "short_time",
    "repeated_text": "repeated_text",
    "after_hours": "after_hours",
    "contradiction": "contradiction",
    "unit_share": "unit_share",
}

GOOD_PHRASES = ["很好", "满意", "办事快", "态度好", "谢谢", "ཡག་པོ", "ཐུགས་རྗེ་ཆེ", "方便"]
BASIC_PHRASES = ["还行", "一般", "可以", "需要排队"]
BAD_PHRASES = ["态度差", "效率低", "跑了好几趟", "推诿", "ཡག་པོ་མི་འདུག"]
GOOD_DETAIL = [
    "窗口工作人员讲解清楚",
    "材料一次就收齐了",
    "大厅指引很清楚",
    "比预想的快很多",
    "在手机上就能查进度",
    "工作人员用藏语解释",
]
BAD_DETAIL = ["窗口让我回去补材料", "等了很久没人叫号", "说系统坏了让明天再来"]
FAKE_TEXTS = [
    "工作人员服务热情周到办事效率非常高给一百个赞",
    "窗口服务规范流程清晰一次办好非常满意感谢",
    "ཞབས་ཞུ་ཡག་པོ་བྱུང་། ལས་ཀ་མགྱོགས་པོ་བྱས་སོང་། ཐུགས་རྗེ་ཆེ།",
]
LEVEL_CODE = {
    "very_satisfied": "517",
    "satisfied": "413",
    "basic": "314",
    "dissatisfied": "214",
    "very_dissatisfied": "115",
}


class _Rollback(Exception):
    pass


@dataclass
class UnitWorld:
    unit: Any
    item: Any
    window: Any
    staff: Any
    staff_user: Any
    device: Any


@dataclass
class World:
    units: list[UnitWorld]
    operator: Any
    revoked_device: Any


@dataclass
class Evaluation:
    labels: Counter = field(default_factory=Counter)
    rows: list[dict[str, Any]] = field(default_factory=list)
    clean: int = 0
    clean_flagged: int = 0
    errors: Counter = field(default_factory=Counter)

    @property
    def false_flag_rate(self) -> float:
        return self.clean_flagged / self.clean if self.clean else 0.0

    def row(self, code: str) -> dict[str, Any]:
        return next(r for r in self.rows if r["check"] == code)


_serial = itertools.count(1)


def _mobile(rng: random.Random) -> str:
    return "15" + "".join(rng.choice("0123456789") for _i in range(9))


def build_world(rng: random.Random, *, units: int) -> World:
    from haochaping.accounts.enums import Role
    from haochaping.accounts.services import user_create
    from haochaping.catalog.enums import CaseType, ItemType
    from haochaping.catalog.services import service_item_create
    from haochaping.channels.services import device_create, device_pair, device_revoke
    from haochaping.org.enums import RegionLevel, UnitKind
    from haochaping.org.models import Region
    from haochaping.org.services import (
        hall_create,
        region_create,
        staff_create,
        unit_create,
        window_create,
    )
    from haochaping.testing.builders import make_credit_code

    city = Region.objects.filter(code="540100").first()
    if city is None:
        tibet = Region.objects.filter(code="540000").first() or region_create(
            code="540000", name="西藏自治区", level=RegionLevel.PROVINCE
        )
        city = region_create(code="540100", name="拉萨市", level=RegionLevel.CITY, parent=tibet)
    tag = uuid.uuid4().hex[:6].upper()
    hall = hall_create(name=f"评估大厅 {tag}", region=city)
    out = []
    for n in range(units):
        serial = rng.randrange(10_000_000, 99_999_999)
        unit = unit_create(
            name=f"评估单位{n + 1} {tag}",
            kind=UnitKind.DEPARTMENT,
            credit_code=make_credit_code("540100", serial),
            region=city,
        )
        item = service_item_create(
            task_code=f"EV{tag}{n}",
            name=f"评估事项{n + 1}",
            item_type=ItemType.PUBLIC_SERVICE,
            unit=unit,
            case_type=CaseType.IMMEDIATE,
        )
        window = window_create(
            hall=hall, number=f"E{n + 1:02d}", name=f"评估窗口{n + 1}", unit=unit
        )
        staff = staff_create(
            unit=unit,
            name=f"评估员{n + 1}",
            staff_no=f"E{tag}{n}",
            window=window,
            mobile="13" + f"{rng.randrange(10**8, 10**9)}",
        )
        user = user_create(
            username=f"eval-{tag.lower()}-{n}",
            password=uuid.uuid4().hex,
            role=Role.WINDOW_STAFF,
            scope_unit=unit,
            staff=staff,
            check_password=False,
        )
        device, code = device_create(window=window, name=f"评价器{n + 1}", acting_user=None)
        device, _token = device_pair(code=code)
        out.append(UnitWorld(unit, item, window, staff, user, device))
    operator = user_create(
        username=f"eval-{tag.lower()}-12345",
        password=uuid.uuid4().hex,
        role=Role.LIAISON,
        scope_region=city,
        check_password=False,
    )
    spare, code = device_create(window=out[0].window, name="旧评价器", acting_user=None)
    device_pair(code=code)
    revoked = device_revoke(device=spare, acting_user=None)
    return World(out, operator, revoked)


@dataclass
class Event:
    at: dt.datetime
    kind: str
    unit: int
    label: str
    level: str = "very_satisfied"
    text: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def _text_for(rng: random.Random, level: str) -> str:
    roll = rng.random()
    if roll < 0.5:
        return ""
    if level in ("very_satisfied", "satisfied"):
        pool, detail = GOOD_PHRASES, GOOD_DETAIL
    elif level == "basic":
        pool, detail = BASIC_PHRASES, GOOD_DETAIL[:2]
    else:
        pool, detail = BAD_PHRASES, BAD_DETAIL
    if roll < 0.85:
        return rng.choice(pool)
    return f"{rng.choice(pool)}，{rng.choice(detail)}，第{rng.randrange(1, 99)}号"


def _level(rng: random.Random) -> str:
    return rng.choices(
        ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"],
        weights=[60, 25, 10, 3, 2],
    )[0]


def _office_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = rng.randrange(9 * 60 + 30, 17 * 60 + 50)
    return dt.datetime.combine(
        day, dt.time(minutes // 60, minutes % 60, rng.randrange(60)), tzinfo=LOCAL_TZ
    )


def plan(
    rng: random.Random, *, days: int, units: int, per_day: int, end: dt.date, share_unit: int
) -> list[Event]:
    """The traffic, in time order: clean ratings every weekday, and the injected patterns."""
    events: list[Event] = []
    weekdays = [end - dt.timedelta(days=d) for d in range(days, 0, -1)]
    weekdays = [d for d in weekdays if d.weekday() < 5]
    for day in weekdays:
        for u in range(units):
            for _i in range(per_day):
                level = _level(rng)
                kinds = ["tablet", "qr", "sms", "app", "phone"]
                weights = [45, 20, 15, 10, 10] if u != share_unit else [50, 25, 15, 10, 0]
                kind = rng.choices(kinds, weights=weights)[0]
                events.append(
                    Event(_office_moment(rng, day), kind, u, CLEAN, level, _text_for(rng, level))
                )
            if u == share_unit:  # paper forms keyed in: about as many as all other ratings
                for _i in range(per_day):
                    level = _level(rng)
                    events.append(
                        Event(
                            _office_moment(rng, day),
                            "paper",
                            u,
                            "unit_share",
                            level,
                            _text_for(rng, level),
                        )
                    )
    inject_days = weekdays[len(weekdays) // 3 :]
    others = [u for u in range(units) if u != share_unit]
    for _n in range(4):  # tampered or replayed tokens
        day = rng.choice(inject_days)
        for kind in ("tamper_link", "unknown_link", "revoked_tablet"):
            events.append(Event(_office_moment(rng, day), kind, rng.choice(others), "token"))
    for _n in range(4):  # one phone rates many cases
        day, mobile, device = rng.choice(inject_days), _mobile(rng), f"app-{uuid.uuid4().hex[:10]}"
        start = _office_moment(rng, day)
        for k in range(rng.randrange(5, 8)):
            events.append(
                Event(
                    start + dt.timedelta(minutes=4 * k + rng.random()),
                    "app",
                    rng.choice(others),
                    "velocity",
                    params={"mobile": mobile, "device": device},
                )
            )
    for _n in range(3):  # bursts of top ratings at one window
        day, u = rng.choice(inject_days), rng.choice(others)
        start = _office_moment(rng, day).replace(hour=10)
        for k in range(rng.randrange(14, 20)):
            events.append(Event(start + dt.timedelta(minutes=2.5 * k), "tablet", u, "top_burst"))
    for _n in range(6):  # staff re-entry, staff phone
        day, u = rng.choice(inject_days), rng.choice(others)
        events.append(Event(_office_moment(rng, day), "staff_entry", u, "staff_self", _level(rng)))
        events.append(Event(_office_moment(rng, day), "staff_phone", u, "staff_self"))
    for _n in range(10):  # rated before it could be read
        events.append(
            Event(
                _office_moment(rng, rng.choice(inject_days)),
                "tablet",
                rng.choice(others),
                "short_time",
                params={"seconds": rng.uniform(0.5, 4.0)},
            )
        )
    for text in FAKE_TEXTS:  # the same praise pasted again and again
        day = rng.choice(inject_days)
        for _k in range(rng.randrange(4, 7)):
            events.append(
                Event(
                    _office_moment(rng, day),
                    "app",
                    rng.choice(others),
                    "repeated_text",
                    "very_satisfied",
                    text,
                )
            )
    night_slots = rng.sample(
        [(d, u) for d in inject_days for u in others], min(3, len(inject_days) * len(others))
    )
    for day, u in night_slots:  # tablets "rating" in bulk at night (one group per unit and night)
        start = dt.datetime.combine(day, dt.time(21, rng.randrange(0, 30)), tzinfo=LOCAL_TZ)
        for k in range(rng.randrange(5, 9)):
            events.append(
                Event(start + dt.timedelta(minutes=6 * k), "tablet", u, "after_hours", _level(rng))
            )
    for _n in range(8):  # level and text disagree
        day, u = rng.choice(inject_days), rng.choice(others)
        if rng.random() < 0.5:
            events.append(
                Event(
                    _office_moment(rng, day),
                    "app",
                    u,
                    "contradiction",
                    "very_satisfied",
                    rng.choice(BAD_PHRASES) + "，" + rng.choice(BAD_DETAIL),
                )
            )
        else:
            events.append(
                Event(
                    _office_moment(rng, day),
                    "app",
                    u,
                    "contradiction",
                    "very_dissatisfied",
                    rng.choice(["非常满意，谢谢", "ཡག་པོ་ཐུགས་རྗེ་ཆེ", "服务热情"]),
                )
            )
    events.sort(key=lambda e: e.at)
    return events


def _submit(event: Event, world: World, rng: random.Random, tm: Any, state: dict) -> Any:
    """Play one event through the real services; returns the rating (None when rejected)."""
    from haochaping.cases.enums import ApplicantType, ApplyChannel
    from haochaping.cases.services import case_create
    from haochaping.channels.enums import EntryKind
    from haochaping.channels.services import (
        prompt_create,
        rating_link_create,
        rating_link_submit,
        staff_rating_record,
        tablet_rating_submit,
    )
    from haochaping.ratings.enums import Channel
    from haochaping.ratings.services import rating_submit

    uw = world.units[event.unit]
    at = event.at
    level, text = event.level, event.text
    codes = [LEVEL_CODE[level]]
    tm.move_to(at - dt.timedelta(minutes=40))
    case = case_create(
        project_no=f"EVAL-{next(_serial):08d}-{uuid.uuid4().hex[:6]}",
        item=uw.item,
        unit=uw.unit,
        window=uw.window,
        staff=uw.staff,
        applicant_type=ApplicantType.PERSON,
        applicant_name="卓玛",
        applicant_mobile=_mobile(rng),
        apply_channel=ApplyChannel.WINDOW,
        accepted_at=at - dt.timedelta(minutes=40),
        completed_at=at - dt.timedelta(minutes=10),
    )
    kind = event.kind
    if kind == "tablet":
        seconds = event.params.get("seconds") or max(8.0, rng.lognormvariate(3.2, 0.5))
        tm.move_to(at - dt.timedelta(seconds=seconds))
        prompt = prompt_create(window=uw.window, case=case)
        tm.move_to(at)
        return tablet_rating_submit(
            device=uw.device,
            prompt_id=prompt.pk,
            level=level,
            option_codes=codes,
            text=text,
            idempotency_key=uuid.uuid4().hex,
            assessed_at=at,
        ).rating
    if kind in ("qr", "sms"):
        before = dt.timedelta(minutes=rng.uniform(2, 120) if kind == "qr" else rng.uniform(60, 600))
        tm.move_to(at - before)
        _link, token = rating_link_create(
            case=case, channel=Channel.QR_CODE if kind == "qr" else Channel.SMS
        )
        tm.move_to(at)
        return rating_link_submit(token=token, level=level, option_codes=codes, text=text).rating
    tm.move_to(at)
    if kind in ("app", "staff_phone"):
        mobile = event.params.get("mobile") or _mobile(rng)
        if kind == "staff_phone":
            mobile = uw.staff.mobile
        return rating_submit(
            case=case,
            level=level,
            channel=Channel.MOBILE,
            assessed_at=at,
            option_codes=codes,
            text=text,
            evaluator_mobile=mobile,
            device_id=event.params.get("device") or f"app-{uuid.uuid4().hex[:10]}",
        ).rating
    if kind in ("phone", "paper", "staff_entry"):
        operator = uw.staff_user if kind == "staff_entry" else world.operator
        entry = staff_rating_record(
            kind=EntryKind.PAPER if kind == "paper" else EntryKind.PHONE,
            case=case,
            level=level,
            operator=operator,
            option_codes=codes,
            text=text,
            paper_ref=f"P-{uuid.uuid4().hex[:12]}" if kind == "paper" else "",
            assessed_at=at,
        )
        return entry.rating
    # tampered / replayed tokens: a vendor-side submission claiming a link or tablet
    if kind == "tamper_link":
        # the open link of another case, used for this one
        other_case = case_create(
            project_no=f"EVAL-{next(_serial):08d}-{uuid.uuid4().hex[:6]}",
            item=uw.item,
            unit=uw.unit,
            window=uw.window,
            staff=uw.staff,
            applicant_type=ApplicantType.PERSON,
            applicant_name="卓玛",
            apply_channel=ApplyChannel.WINDOW,
            accepted_at=at - dt.timedelta(minutes=40),
            completed_at=at - dt.timedelta(minutes=10),
        )
        link, _token = rating_link_create(case=other_case, channel=Channel.QR_CODE)
        key = f"link-{link.pk}"
    elif kind == "unknown_link":
        key = f"link-{rng.randrange(10**9, 10**10)}"
    else:
        key = uuid.uuid4().hex
    device_id = f"tablet-{world.revoked_device.pk}" if kind == "revoked_tablet" else ""
    return rating_submit(
        case=case,
        level=level,
        channel=Channel.EVALUATOR if device_id else Channel.QR_CODE,
        assessed_at=at,
        option_codes=codes,
        text=text,
        idempotency_key=key,
        device_id=device_id,
    ).rating


def play(event: Event, world: World, rng: random.Random, tm: Any) -> Any:
    """One event through the real services (a savepoint); None when refused or rejected."""
    try:
        with transaction.atomic():
            return _submit(event, world, rng, tm, {})
    except ApplicationError:
        return None


def evaluate(
    *, seed: int = 1, days: int = 14, units: int = 5, per_day: int = 12, keep: bool = False
) -> Evaluation:
    """Generate labelled traffic, run it through the pipeline, score every check."""
    import time_machine

    rng = random.Random(seed)
    result = Evaluation()
    end = now().astimezone(LOCAL_TZ).date()
    share_unit = units - 1
    events = plan(rng, days=days, units=units, per_day=per_day, end=end, share_unit=share_unit)
    try:
        with transaction.atomic():
            with time_machine.travel(events[0].at - dt.timedelta(days=1), tick=False) as tm:
                world = build_world(rng, units=units)
                cache_clear()
                labels: dict[int, str] = {}
                rejected: dict[str, Counter] = defaultdict(Counter)
                state: dict[str, Any] = {}
                for event in events:
                    result.labels[event.label] += 1
                    try:
                        with transaction.atomic():
                            rating = _submit(event, world, rng, tm, state)
                    except InvalidInput as exc:
                        check = exc.extra.get("check")
                        if check:
                            rejected[check][event.label] += 1
                        else:
                            result.errors[f"{event.kind}: {exc.extra}"[:120]] += 1
                        continue
                    except ApplicationError as exc:
                        result.errors[f"{event.kind}: {exc.message}"[:120]] += 1
                        continue
                    labels[rating.pk] = event.label
                flagged: dict[str, set[int]] = defaultdict(set)
                for code, rating_id in Flag.objects.filter(
                    review__rating_id__in=labels
                ).values_list("check_code", "review__rating_id"):
                    flagged[code].add(rating_id)
                any_flag = set().union(*flagged.values()) if flagged else set()
                result.clean = sum(1 for v in labels.values() if v == CLEAN)
                result.clean_flagged = sum(1 for r in any_flag if labels[r] == CLEAN)
                for check in active_checks():
                    target = TARGET.get(check.code, check.code)
                    hits = Counter(labels[r] for r in flagged[check.code])
                    hits.update(rejected[check.code])
                    fired = sum(hits.values())
                    tp = hits[target]
                    positives = result.labels[target]
                    result.rows.append(
                        {
                            "check": check.code,
                            "target": target,
                            "fired": fired,
                            "true": tp,
                            "injected": positives,
                            "precision": tp / fired if fired else None,
                            "recall": tp / positives if positives else None,
                            "on_clean": hits[CLEAN],
                            "on_other_patterns": fired - tp - hits[CLEAN],
                        }
                    )
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        cache_clear()
    return result
