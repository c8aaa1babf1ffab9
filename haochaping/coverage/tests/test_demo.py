"""The coverage demo step on a small hand-made world (the full generator is not re-run here)."""

import datetime as dt
import random

import pytest

from haochaping.coverage.enums import CommentStatus, TaskStatus
from haochaping.coverage.models import Comment, MysteryVisit, Sample, SupplementaryTask
from haochaping.coverage.tests.conftest import at, new_mobile, online_case
from haochaping.demo.context import DemoContext
from haochaping.demo.coverage import seed_coverage
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.rectification.models import Rectification

pytestmark = pytest.mark.django_db


def test_demo_step_shows_every_part(org_tree, people, clock):
    # given ten unrated online cases and six rated ones
    for n in range(10):
        online_case(org_tree, completed=at(f"2026-11-0{1 + n % 4} 10:00"))
    for n in range(6):
        case = online_case(
            org_tree,
            completed=at(f"2026-11-0{1 + n % 4} 10:00"),
            item_key="cg_hukou" if n % 2 else "id_card",
        )
        rating_submit(
            case=case,
            level=Level.SATISFIED,
            channel=Channel.PC,
            assessed_at=case.completed_at + dt.timedelta(hours=1),
            evaluator_mobile=new_mobile(),
        )
    lines: list[str] = []
    ctx = DemoContext(
        rng=random.Random(1), until=dt.date(2026, 11, 5), months=1, scale=0.01, log=lines.append
    )

    # when
    seed_coverage(ctx)

    # then
    statuses = set(SupplementaryTask.objects.values_list("status", flat=True))
    assert {TaskStatus.OPEN, TaskStatus.INVITED, TaskStatus.RATED, TaskStatus.DECLINED} <= statuses
    assert SupplementaryTask.objects.count() == 10
    assert set(Comment.objects.values_list("status", flat=True)) == set(CommentStatus.values)
    assert Rectification.objects.filter(case__isnull=True).count() == 2
    assert Sample.objects.count() == 2
    assert MysteryVisit.objects.count() == 2
    assert any(line.startswith("coverage: callback sample of") for line in lines)
