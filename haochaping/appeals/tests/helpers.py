"""Builders for appeal tests: every state through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haochaping.appeals import services
from haochaping.appeals.models import Appeal
from haochaping.core.clock import now
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.rectification.models import Rectification
from haochaping.testing.builders import make_case

SH = dt.timezone(dt.timedelta(hours=8))
EVALUATOR = "卓玛"
MOBILE = "13912345678"
PDF = b"%PDF-1.4\n" + b"0" * 64


def at(text: str) -> dt.datetime:
    """'2026-09-30 10:00' in Lhasa (Asia/Shanghai) time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def rated_case(tree: Any, *, in_centre: bool = False, staff: Any = "default"):
    done = now() - dt.timedelta(hours=1)
    return make_case(
        tree,
        accepted_at=done - dt.timedelta(days=2),
        completed_at=done,
        staff=tree.staff if staff == "default" else staff,
        window=tree.window if in_centre else None,
        applicant_name=EVALUATOR,
        applicant_mobile=MOBILE,
    )


def bad_rating(
    tree: Any, *, case: Any = None, level: str = Level.VERY_DISSATISFIED, **overrides: Any
):
    fields: dict[str, Any] = {
        "level": level,
        "channel": Channel.EVALUATOR,
        "assessed_at": now(),
        "case": case or rated_case(tree),
        "text": "窗口态度生硬",
        "option_codes": [],
        "evaluator_name": EVALUATOR,
        "evaluator_mobile": MOBILE,
        "language": "zh-hans",
    }
    fields.update(overrides)
    return rating_submit(**fields).rating


def rectification_for(tree: Any, **kw: Any) -> Rectification:
    """A bad review of the rated staff member: its rectification (the notice went out)."""
    return Rectification.objects.get(rating=bad_rating(tree, **kw))


def filed(
    tree: Any, people: Any, *, by: Any = None, rectification: Rectification | None = None, **kw: Any
) -> Appeal:
    r = rectification or rectification_for(tree, **kw)
    return services.appeal_file(
        rectification_id=r.pk,
        reasons="该群众办理时材料不全,已一次性告知",
        acting_user=by or people.staff,
    )


def decided(tree: Any, people: Any, outcome: str, **kw: Any) -> Appeal:
    a = filed(tree, people, **kw)
    return services.appeal_decide(
        appeal_id=a.pk, outcome=outcome, reason="经调查核实", acting_user=people.reviewer
    )
