"""Demo step of coverage: supplementary-rating tasks worked in every way, a region with system
defaults, society's comments (综合点评) from every source in every state, a callback sample with
interviews (one mismatch), an inspection sample, and mystery visits with follow-up actions.

Everything goes through the coverage services; choices use ``ctx.rng`` (deterministic for a seed).
"""

from __future__ import annotations

import datetime as dt

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.core.clock import now, today
from haochaping.core.exceptions import ApplicationError
from haochaping.coverage import services
from haochaping.coverage.enums import (
    Answer,
    AttemptKind,
    CommentSource,
    InterviewOutcome,
    SampleKind,
    Sentiment,
    Stratum,
    SubjectKind,
    TaskStatus,
    Topic,
)
from haochaping.coverage.models import SupplementaryTask
from haochaping.demo.context import DemoContext
from haochaping.org.models import Hall, Region, Unit
from haochaping.ratings.enums import Level

COMMENTS = [
    # (source, about, text, classification, topic, level)
    (
        CommentSource.SUGGESTION_BOX,
        SubjectKind.HALL,
        "大厅座椅太少,老人等候不便。",
        Sentiment.NEGATIVE,
        Topic.FACILITIES,
        Level.DISSATISFIED,
    ),
    (
        CommentSource.COMPLAINT_PHONE,
        SubjectKind.UNIT,
        "窗口人员午休时间无人值守,白跑一趟。",
        Sentiment.NEGATIVE,
        Topic.ATTITUDE,
        Level.VERY_DISSATISFIED,
    ),
    (
        CommentSource.EMAIL,
        SubjectKind.UNIT,
        "感谢窗口工作人员耐心用藏语讲解办理流程。",
        Sentiment.PRAISE,
        Topic.ATTITUDE,
        "",
    ),
    (
        CommentSource.WEB,
        SubjectKind.UNIT,
        "建议在网上公布每天的排队人数。",
        Sentiment.SUGGESTION,
        Topic.EFFICIENCY,
        "",
    ),
    (CommentSource.WEB, SubjectKind.UNIT, "低价出售发票 加微信", Sentiment.SPAM, "", ""),
    (
        CommentSource.SUGGESTION_BOX,
        SubjectKind.UNIT,
        "自助机说明只有中文,希望增加藏文。",
        "",
        "",
        "",
    ),
]


def _user(username: str, role: Role) -> User | None:
    return (
        User.objects.filter(username=username, is_active=True).first()
        or User.objects.filter(role=role, is_active=True).order_by("pk").first()
    )


def seed_coverage(ctx: DemoContext) -> None:
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first() or _user(
        "admin", Role.ADMIN
    )
    liaison = _user("liaison", Role.LIAISON)
    supervisor = _user("supervisor", Role.SUPERVISOR)
    if admin is None or liaison is None or supervisor is None:
        ctx.log("coverage: skipped (needs the demo accounts)")
        return
    _tasks(ctx, admin)
    _defaults(ctx, admin)
    _comments(ctx, liaison)
    _supervision(ctx, supervisor)


def _tasks(ctx: DemoContext, worker: User) -> None:
    created = services.supplementary_tasks_create(run_day=today())
    open_ids = list(
        SupplementaryTask.objects.filter(status=TaskStatus.OPEN)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:40]
    )
    ctx.rng.shuffle(open_ids)
    done = {"sms": 0, "phone": 0, "not_reached": 0, "declined": 0}
    for task_id in open_ids[:8]:
        kind = ["sms", "sms", "phone", "phone", "phone", "not_reached", "declined", "sms"][
            done["sms"] + done["phone"] + done["not_reached"] + done["declined"]
        ]
        try:
            if kind == "sms":
                services.task_sms_send(
                    task_id=task_id, acting_user=worker, language=ctx.rng.choice(["zh-hans", "bo"])
                )
            elif kind == "phone":
                services.task_phone_answer_record(
                    task_id=task_id,
                    acting_user=worker,
                    level=ctx.rng.choice([Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC]),
                    text="电话回访补充评价",
                    note="群众口头评价,工作人员代录",
                )
            else:
                services.task_attempt_record(
                    task_id=task_id,
                    acting_user=worker,
                    kind=AttemptKind.PHONE_NOT_REACHED
                    if kind == "not_reached"
                    else AttemptKind.DECLINED,
                    note="无人接听" if kind == "not_reached" else "群众表示不愿评价",
                )
            done[kind] += 1
        except ApplicationError as exc:
            ctx.log(f"  coverage: task {task_id} skipped: {exc}")
    ctx.log(f"coverage: {created} supplementary-rating tasks; worked {done}")


def _defaults(ctx: DemoContext, admin: User) -> None:
    region = Region.objects.filter(code="540122").first()  # 当雄县: a remote county, as example
    if region is None:
        return
    services.default_policy_set(region=region, enabled=True, after_days=7, acting_user=admin)
    written = services.system_defaults_write()
    ctx.log(
        f"coverage: system defaults enabled for {region.name}; {written} default ratings "
        "written (marked, never citizen-initiated)"
    )


def _comments(ctx: DemoContext, liaison: User) -> None:
    units = list(
        Unit.objects.filter(active=True, cases__isnull=False).distinct().order_by("pk")[:12]
    )
    hall = Hall.objects.filter(operator__isnull=False).order_by("pk").first()
    if not units:
        return
    made = 0
    for n, (source, about, text, sentiment, topic, level) in enumerate(COMMENTS):
        unit = ctx.rng.choice(units)
        kwargs = {"unit": unit}
        if about == SubjectKind.HALL and hall is not None:
            kwargs = {"hall": hall, "unit": None}
        elif about == SubjectKind.HALL:
            about = SubjectKind.UNIT
        received = now() - dt.timedelta(hours=6 * (len(COMMENTS) - n))
        try:
            if source == CommentSource.WEB:
                c = services.comment_submit_public(
                    client_hash=f"demo-{n}",
                    subject_kind=about,
                    text=text,
                    submitter_mobile="139" + f"{ctx.rng.randrange(10**8):08d}" if n % 2 else "",
                    language="zh-hans",
                    **kwargs,
                )
            else:
                c = services.comment_register(
                    source=source,
                    subject_kind=about,
                    text=text,
                    acting_user=liaison,
                    received_at=received,
                    source_ref=f"DEMO-{n + 1:03d}",
                    **kwargs,
                )
            if sentiment:
                services.comment_classify(
                    comment_id=c.pk,
                    sentiment=sentiment,
                    topic=topic,
                    level=level,
                    acting_user=liaison,
                )
            made += 1
        except ApplicationError as exc:
            ctx.log(f"  coverage: comment {n} skipped: {exc}")
    ctx.log(
        f"coverage: {made} society's comments (2 routed to rectification); public form at "
        "http://127.0.0.1:8000/comment/"
    )


def _supervision(ctx: DemoContext, supervisor: User) -> None:
    until = today()
    seed = ctx.rng.randrange(1, 10**6)
    try:
        sample = services.sample_draw(
            kind=SampleKind.CALLBACK,
            name="月度回访抽样(演示)",
            strata=[Stratum.UNIT, Stratum.CHANNEL],
            per_stratum=2,
            seed=seed,
            since=until - dt.timedelta(days=30),
            until=until,
            acting_user=supervisor,
            note="随机抽取参评群众回访,核实评价真实性",
        )
    except ApplicationError as exc:
        ctx.log(f"coverage: no callback sample: {exc}")
        return
    answers = [
        (InterviewOutcome.REACHED, Answer.YES, Answer.NO, Answer.NO),
        (InterviewOutcome.REACHED, Answer.YES, Answer.NO, Answer.NO),
        (InterviewOutcome.NOT_REACHED, "", "", ""),
        (InterviewOutcome.REACHED, Answer.NO, Answer.YES, Answer.NO),  # a mismatch
        (InterviewOutcome.REFUSED, "", "", ""),
    ]
    entries = list(sample.entries.order_by("position")[: len(answers)])
    for entry, (outcome, confirms, staff, pressured) in zip(entries, answers, strict=False):
        services.interview_record(
            entry_id=entry.pk,
            outcome=outcome,
            confirms_rating=confirms,
            entered_by_staff=staff,
            pressured=pressured,
            acting_user=supervisor,
            note="群众称评价由窗口人员代为点击" if staff == Answer.YES else "",
        )
    inspection = services.sample_draw(
        kind=SampleKind.INSPECTION,
        name="重点事项暗访抽样(演示)",
        strata=[Stratum.UNIT],
        per_stratum=1,
        seed=seed,
        since=until - dt.timedelta(days=30),
        until=until,
        acting_user=supervisor,
        note="新出台政策及重点服务事项",
    )
    first = inspection.entries.select_related("item__unit").order_by("position").first()
    hall = Hall.objects.order_by("pk").first()
    visits = 0
    if first is not None:
        visit = services.visit_record(
            unit=first.item.unit,
            hall=hall,
            visited_at=now() - dt.timedelta(days=3),
            scenario=f"以办事群众身份咨询「{first.item.name}」",
            level=Level.DISSATISFIED,
            findings="一次性告知不到位,窗口要求补交办事指南以外的材料。",
            problems_found=True,
            entry_id=first.pk,
            acting_user=supervisor,
        )
        services.follow_up_add(
            visit_id=visit.pk,
            description="对照办事指南清理额外材料要求,三日内书面说明",
            unit=first.item.unit,
            due_date=today() + dt.timedelta(days=7),
            acting_user=supervisor,
        )
        visits += 1
    if hall is not None and hall.operator_id:
        visit = services.visit_record(
            unit=hall.operator,
            hall=hall,
            visited_at=now() - dt.timedelta(days=10),
            scenario="午间时段暗访大厅",
            findings="窗口均有人值守,双语引导到位。",
            level=Level.VERY_SATISFIED,
            acting_user=supervisor,
        )
        action = services.follow_up_add(
            visit_id=visit.pk,
            description="在全市通报表扬",
            unit=hall.operator,
            due_date=today(),
            acting_user=supervisor,
        )
        services.follow_up_done(
            action_id=action.pk, note="已在月度通报中表扬", acting_user=supervisor
        )
        visits += 1
    ctx.log(
        f"coverage: callback sample of {sample.entries.count()} (seed {seed}, "
        f"{len(entries)} interviewed, 1 mismatch); inspection sample of "
        f"{inspection.entries.count()} items; {visits} mystery visits"
    )
