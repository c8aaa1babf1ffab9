"""Demo bad reviews in every rectification state, through the real services, on a moved clock.

Each scenario gets its own completed case (copied from a demo case of a unit that has a handler
account), a bad rating submitted with ``rating_submit`` (the signal opens the rectification) and
then the transitions, each at its own moment in the past, so that deadlines, overdue flags and
the timeline read as they would have in real life. The clock is moved by temporarily replacing
``django.utils.timezone.now`` (what ``haochaping.core.clock.now`` reads): time-machine is a test
dependency and the demo runs on production installs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from haochaping.accounts.models import User
from haochaping.cases.models import Case
from haochaping.cases.services import case_create
from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.demo.context import DemoContext
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.rectification import services
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification
from haochaping.rectification.services import designated_handler

# (label, days ago opened, what citizens wrote, steps); a step is (hours after opening, verb, note)
SCENARIOS: list[tuple[str, float, str, list[tuple[float, str, str]]]] = [
    ("new", 0.1, "窗口人员不在岗,等了一个小时。", []),
    ("new-overdue", 4, "要求提供办事指南以外的证明材料。", []),
    (
        "contacted",
        1,
        "网上预约后到大厅还要重新排队。",
        [(2, "contact", "已电话联系群众,了解预约系统问题。")],
    ),
    (
        "rectifying-complex",
        4,
        "同一份材料被要求提交了三次。",
        [
            (1, "contact", "已联系群众,核实属实。"),
            (3, "start-complex", "开始整改;需要与不动产登记中心共享材料。"),
        ],
    ),
    (
        "rectifying-overdue",
        12,
        "承诺十个工作日办结,实际等了二十天。",
        [
            (5, "contact", "已联系群众。"),
            (24, "start", "开始整改。"),
        ],
    ),
    (
        "feedback-explained",
        3,
        "要求当天办结营业执照变更。",
        [
            (2, "contact", "已联系群众。"),
            (20, "explain", "该事项法定办理时限为3个工作日,当天办结无法律依据,已向群众解释。"),
        ],
    ),
    (
        "feedback-fixed-at-once",
        1,
        "自助机打印不出回执。",
        [
            (1, "fix_at_once", "当场更换打印纸并为群众补打回执,群众认可。"),
        ],
    ),
    (
        "awaiting-callback",
        7,
        "窗口工作人员态度生硬,不愿意解释。",
        [
            (2, "contact", "已联系群众并道歉。"),
            (20, "start", "对窗口人员开展服务规范培训。"),
            (70, "feedback", "已完成培训并向群众反馈。"),
            (75, "accept", "材料齐全,同意回访。"),
            (96, "unreachable", "电话无人接听,改日再回访。"),
        ],
    ),
    (
        "reopened",
        12,
        "来回跑了三趟,每次要的材料都不一样。",
        [
            (3, "contact", "已联系群众。"),
            (24, "start", "修订材料清单。"),
            (100, "feedback", "材料清单已修订并公示。"),
            (110, "accept", "同意回访。"),
            (150, "reopen", "群众表示问题未解决:大厅的清单与网上不一致。"),
        ],
    ),
    (
        "escalated",
        16,
        "多次反映的问题一直没有解决。",
        [
            (2, "contact", "已联系群众。"),
            (30, "start", "开始整改。"),
            (120, "feedback", "已整改。"),
            (130, "accept", "同意回访。"),
            (170, "escalate", "群众仍不满意,提交督查室。"),
            (200, "urge", "请承办单位三日内说明情况。"),
        ],
    ),
    (
        "closed-satisfied",
        20,
        "办理时间太长。",
        [
            (4, "contact", "已联系群众。"),
            (26, "start", "优化审批流程。"),
            (100, "feedback", "审批环节由4个减为2个,已反馈群众。"),
            (105, "accept", "同意回访。"),
            (130, "satisfied", "电话回访,群众满意。"),
            (180, "spot_check", "抽查档案:整改材料完整。"),
        ],
    ),
    (
        "closed-by-supervision",
        25,
        "窗口推诿,让我去别的部门。",
        [
            (3, "contact", "已联系群众。"),
            (30, "start", "明确首问负责。"),
            (110, "feedback", "已整改。"),
            (120, "accept", "同意回访。"),
            (160, "escalate", "群众仍不满意。"),
            (
                260,
                "supervision_close",
                "督查结论:承办单位已尽责整改,群众诉求超出政策范围,已当面解释。",
            ),
        ],
    ),
    (
        "withdrawn",
        9,
        "(恶意差评)",
        [
            (3, "contact", "已联系评价人。"),
            (20, "pause", "窗口工作人员申请复核。"),
            (90, "withdraw", "复核认定为恶意评价,评价不予采纳。"),
        ],
    ),
    (
        "paused",
        3,
        "收费标准不透明。",
        [
            (2, "contact", "已联系群众。"),
            (10, "pause", "窗口工作人员申请复核,计时暂停。"),
        ],
    ),
]


@contextmanager
def demo_clock(moment: dt.datetime) -> Iterator[None]:
    """Make ``haochaping.core.clock.now()`` return ``moment`` (advancing a millisecond a call)."""
    from django.utils import timezone

    original = timezone.now
    state = {"t": moment}

    def fake_now() -> dt.datetime:
        state["t"] += dt.timedelta(milliseconds=1)
        return state["t"]

    timezone.now = fake_now  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = original  # type: ignore[assignment]


def _new_case(template: Case, opened: dt.datetime, seq: int) -> Case:
    local = opened.astimezone(LOCAL_TZ)
    return case_create(
        project_no=f"{template.unit.region.code}{local:%Y%m%d}9{seq:05d}",
        item=template.item,
        unit=template.unit,
        window=template.window,
        staff=template.staff,
        applicant_type=template.applicant_type,
        applicant_name=template.applicant_name,
        applicant_cert_no=template.applicant_cert_no,
        applicant_mobile=template.applicant_mobile,
        apply_channel=template.apply_channel,
        accepted_at=opened - dt.timedelta(days=3),
        completed_at=opened - dt.timedelta(hours=2),
    )


def _step(r: Rectification, verb: str, note: str, people: dict[str, Any]) -> None:
    rid, handler, liaison = r.pk, r.handler, people["liaison"]
    if verb == "contact":
        services.rectification_contact(rectification_id=rid, note=note, acting_user=handler)
    elif verb == "fix_at_once":
        services.rectification_fix_at_once(rectification_id=rid, note=note, acting_user=handler)
    elif verb == "start":
        services.rectification_start(rectification_id=rid, note=note, acting_user=handler)
    elif verb == "start-complex":
        services.rectification_start(
            rectification_id=rid,
            note=note,
            is_complex=True,
            complex_reason="涉及多个部门的数据共享",
            acting_user=handler,
        )
    elif verb == "explain":
        services.rectification_explain(rectification_id=rid, note=note, acting_user=handler)
    elif verb == "feedback":
        services.rectification_feedback(rectification_id=rid, note=note, acting_user=handler)
    elif verb == "accept":
        services.rectification_accept_feedback(rectification_id=rid, note=note, acting_user=liaison)
    elif verb == "unreachable":
        services.rectification_callback(
            rectification_id=rid,
            method="phone",
            outcome="unreachable",
            note=note,
            acting_user=liaison,
        )
    elif verb == "satisfied":
        services.rectification_callback(
            rectification_id=rid,
            method="phone",
            outcome="reached",
            satisfaction="satisfied",
            note=note,
            acting_user=liaison,
        )
    elif verb in ("reopen", "escalate"):
        services.rectification_callback(
            rectification_id=rid,
            method="phone",
            outcome="reached",
            satisfaction="unsatisfied",
            after_unsatisfied=verb,
            note=note,
            acting_user=liaison,
        )
    elif verb == "urge":
        services.rectification_urge(
            rectification_id=rid, note=note, acting_user=people["supervisor"]
        )
    elif verb == "spot_check":
        services.rectification_spot_check(
            rectification_id=rid, note=note, acting_user=people["supervisor"]
        )
    elif verb == "supervision_close":
        services.rectification_supervision_close(
            rectification_id=rid, note=note, acting_user=people["supervisor"]
        )
    elif verb == "pause":
        services.rectification_pause(
            rectification_id=rid, reason=note, acting_user=people["reviewer"]
        )
    elif verb == "withdraw":
        services.rectification_withdraw(
            rectification_id=rid, note=note, acting_user=people["reviewer"]
        )
    else:  # pragma: no cover - a typo in SCENARIOS
        raise ValueError(verb)


def seed_rectifications(ctx: DemoContext) -> None:
    people = {
        name: User.objects.get(username=name) for name in ("liaison", "supervisor", "reviewer")
    }
    templates = [
        c
        for c in Case.objects.filter(pk__in=ctx.cases[:400], apply_channel="window")
        .select_related("unit__region", "item")
        .order_by("pk")
    ]
    with_handler = [c for c in templates if designated_handler(c.unit) is not None]
    if not with_handler:
        ctx.log("rectification: no demo case has a unit with a handler account; skipped")
        return
    # Anchored to the last demo day (not the wall clock) so that a seed and --until give the
    # same data; "now" only when the demo ends today and the office day is not over yet.
    base = min(clock_now(), dt.datetime.combine(ctx.until, dt.time(18, 0), tzinfo=LOCAL_TZ))
    counts: dict[str, int] = {}
    for seq, (label, days_ago, text, steps) in enumerate(SCENARIOS, start=1):
        template = with_handler[ctx.rng.randrange(len(with_handler))]
        opened = base - dt.timedelta(days=days_ago)
        with demo_clock(opened):
            case = _new_case(template, opened, seq)
            rating = rating_submit(
                case=case,
                level=Level.VERY_DISSATISFIED if seq % 2 else Level.DISSATISFIED,
                channel=Channel.EVALUATOR,
                assessed_at=opened - dt.timedelta(minutes=30),
                text=text,
                evaluator_name=case.applicant_name,
                evaluator_mobile=case.applicant_mobile,
                evaluator_cert_no=case.applicant_cert_no,
                evaluator_type=case.applicant_type,
                language="zh-hans",
            ).rating
        r = Rectification.objects.select_related("handler").get(rating=rating)
        for hours, verb, note in steps:
            with demo_clock(opened + dt.timedelta(hours=hours)):
                _step(r, verb, note, people)
        r.refresh_from_db()
        counts[r.status] = counts.get(r.status, 0) + 1
        ctx.log(f"  rectification {label}: {r.label} → {r.status}")
    # a 综合点评 (suggestion box), routed to the unit it names
    unit = with_handler[0].unit
    with demo_clock(base - dt.timedelta(hours=5)):
        rating_submit(
            level=Level.DISSATISFIED,
            channel=Channel.PHONE,
            unit=unit,
            assessed_at=base - dt.timedelta(hours=6),
            is_staff_entered=True,
            text="意见箱:大厅座椅太少,老人等候不便。",
            language="zh-hans",
        )
    counts[Status.NEW] = counts.get(Status.NEW, 0) + 1
    missing = set(Status.values) - set(counts)
    ctx.log(
        f"rectification: {sum(counts.values())} demo items in {len(counts)} states"
        + (f" (missing: {sorted(missing)})" if missing else "")
    )
