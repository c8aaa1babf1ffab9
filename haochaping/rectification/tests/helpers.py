"""Builders for rectification tests: reach every state through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haochaping.core.clock import now
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.rectification import services
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification
from haochaping.testing.builders import make_case

SH = dt.timezone(dt.timedelta(hours=8))
MOBILE = "13912345678"


def at(text: str) -> dt.datetime:
    """'2026-09-30 10:00' in Lhasa (Asia/Shanghai) time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def completed_case(tree: Any, **overrides: Any):
    done = now() - dt.timedelta(hours=1)
    fields = {"accepted_at": done - dt.timedelta(days=2), "completed_at": done}
    fields.update(overrides)
    return make_case(tree, **fields)


def bad_rating(
    tree: Any,
    *,
    case: Any = None,
    unit: Any = None,
    anonymous: bool = False,
    level: str = Level.VERY_DISSATISFIED,
    **overrides: Any,
):
    """A valid bad rating (opens a rectification through the signal). ``unit`` without ``case``
    makes a 综合点评."""
    if case is None and unit is None:
        case = completed_case(tree)
    fields: dict[str, Any] = {
        "level": level,
        "channel": Channel.EVALUATOR,
        "assessed_at": now(),
        "case": case,
        "unit": unit,
        "text": "窗口态度生硬,材料要求反复提交",
        "option_codes": [],
        "evaluator_name": "卓玛",
        "evaluator_mobile": MOBILE,
        "is_anonymous": anonymous,
    }
    fields.update(overrides)
    return rating_submit(**fields).rating


def open_rectification(tree: Any, **kw: Any) -> Rectification:
    rating = bad_rating(tree, **kw)
    return Rectification.objects.get(rating=rating)


def advance(
    r: Rectification, target: str, *, handler: Any, liaison: Any, supervisor: Any = None
) -> Rectification:
    """Move ``r`` to ``target`` along the main path with the real services."""
    rid = r.pk
    path = {
        Status.NEW: [],
        Status.CONTACTED: ["contact"],
        Status.RECTIFYING: ["contact", "start"],
        Status.FEEDBACK_GIVEN: ["contact", "start", "feedback"],
        Status.AWAITING_CALLBACK: ["contact", "start", "feedback", "accept"],
        Status.CLOSED: ["contact", "start", "feedback", "accept", "satisfied"],
        Status.REOPENED: ["contact", "start", "feedback", "accept", "reopen"],
        Status.ESCALATED: ["contact", "start", "feedback", "accept", "escalate"],
    }[Status(target)]
    for step in path:
        if step == "contact":
            services.rectification_contact(
                rectification_id=rid, note="已电话联系群众", acting_user=handler
            )
        elif step == "start":
            services.rectification_start(
                rectification_id=rid, note="核实属实,开始整改", acting_user=handler
            )
        elif step == "feedback":
            services.rectification_feedback(
                rectification_id=rid, note="已整改并反馈", acting_user=handler
            )
        elif step == "accept":
            services.rectification_accept_feedback(
                rectification_id=rid, note="材料齐全", acting_user=liaison
            )
        elif step == "satisfied":
            services.rectification_callback(
                rectification_id=rid,
                method="phone",
                outcome="reached",
                satisfaction="satisfied",
                note="群众满意",
                acting_user=liaison,
            )
        elif step in ("reopen", "escalate"):
            services.rectification_callback(
                rectification_id=rid,
                method="phone",
                outcome="reached",
                satisfaction="unsatisfied",
                after_unsatisfied=step,
                note="群众不满意",
                acting_user=liaison,
            )
    return Rectification.objects.get(pk=rid)
