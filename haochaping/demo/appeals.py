"""Demo step of appeals: bad reviews of the city police bureau's window staff, with appeals in
every state, all through the real services (ratings → rectification → notice → appeal).

- a notice still open for appeal (no appeal yet);
- pending (awaiting the reviewer);
- decided: upheld; explanation (after the handler contacted the citizen); not adopted;
- further review pending at the city bureau; final after the further review (not adopted).
"""

from __future__ import annotations

import datetime as dt

from haochaping.accounts.models import User
from haochaping.appeals import services
from haochaping.cases.enums import CaseStatus
from haochaping.cases.models import Case
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import ApplicationError
from haochaping.demo.context import DemoContext
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.rectification import services as rect_services
from haochaping.rectification.models import Rectification

PLAN = ["notice", "pending", "upheld", "explanation", "not_adopted", "further_review", "final"]
TEXTS = [
    "窗口工作人员态度生硬,材料要求反复提交",
    "排队时间太长,工作人员离岗",
    "告知的材料清单与实际要求不一致",
    "办理时间超过承诺时限",
]


def _rectification(ctx: DemoContext, case: Case) -> Rectification | None:
    now = clock_now()
    assessed = min(case.completed_at + dt.timedelta(hours=1), now) if case.completed_at else now
    try:
        rating = rating_submit(
            level=Level.VERY_DISSATISFIED,
            channel=Channel.EVALUATOR,
            assessed_at=assessed,
            case=case,
            text=ctx.rng.choice(TEXTS),
            evaluator_name=case.applicant_name,
            evaluator_mobile=case.applicant_mobile,
            language="zh-hans",
        ).rating
    except ApplicationError:
        return None
    return Rectification.objects.filter(rating=rating).first()


def seed_appeals(ctx: DemoContext) -> None:
    staff_user = User.objects.filter(username="window-gongan").select_related("staff").first()
    handler = User.objects.filter(username="handler-gongan").first()
    reviewer = User.objects.filter(username="reviewer").first()
    liaison = User.objects.filter(username="liaison").first()
    if not (staff_user and staff_user.staff and handler and reviewer and liaison):
        ctx.log("appeals: demo users missing; skipped")
        return
    police = ctx.units["city:gongan"]
    base = Case.objects.filter(unit=police, status=CaseStatus.COMPLETED, ratings__isnull=True)
    cases = list(base.filter(staff=staff_user.staff).order_by("-completed_at")[: len(PLAN)])
    if len(cases) < len(PLAN):
        more = base.exclude(pk__in=[c.pk for c in cases]).order_by("-completed_at")
        cases += list(more[: len(PLAN) - len(cases)])
    made: dict[str, str] = {}
    for state, case in zip(PLAN, cases, strict=False):
        r = _rectification(ctx, case)
        if r is None:
            continue
        if state == "notice":
            made[state] = f"rectification {r.pk}"
            continue
        appellant = staff_user if r.rating.staff_id == staff_user.staff_id else handler
        try:
            if state == "explanation":
                rect_services.rectification_contact(
                    rectification_id=r.pk, note="已电话联系群众", acting_user=handler
                )
            a = services.appeal_file(
                rectification_id=r.pk,
                acting_user=appellant,
                reasons="群众所述情况与窗口监控记录不符:当日已一次性告知所需材料,并提供了样表。",
            )
            if state != "pending":
                outcome = {"explanation": "explanation", "not_adopted": "not_adopted"}.get(
                    state, "upheld"
                )
                reason = {
                    "upheld": "经调阅监控和办件记录,评价反映的问题属实,维持差评,继续整改。",
                    "explanation": "群众要求代办,但身份证申领须本人到场采集指纹,依法不能代办。",
                    "not_adopted": "监控显示评价人当日未在该窗口办理业务,系误评,不予采纳。",
                }[outcome]
                a = services.appeal_decide(
                    appeal_id=a.pk, outcome=outcome, reason=reason, acting_user=reviewer
                )
            if state in ("further_review", "final"):
                a = services.appeal_request_further(
                    appeal_id=a.pk,
                    acting_user=appellant,
                    reason="复核未调取当日监控,申请市局复查。",
                )
            if state == "final":
                a = services.appeal_decide_further(
                    appeal_id=a.pk,
                    outcome="not_adopted",
                    reason="市局调取监控,确认评价人未办理该业务。",
                    acting_user=liaison,
                )
        except ApplicationError as exc:
            ctx.log(f"  appeal demo ({state}) skipped: {exc.message}")
            continue
        made[state] = a.label
    ctx.log("appeals: " + ", ".join(f"{k} {v}" for k, v in made.items()))
