"""The demo step leaves bad reviews in every state, reached through the real services."""

import random

import pytest
from django.utils.module_loading import import_string

from haochaping.core.clock import today
from haochaping.demo.context import DemoContext
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification
from haochaping.rectification.selectors import clock_info

pytestmark = pytest.mark.django_db

# The steps this one needs (the ratings step is left out: it is not needed and tested on its own).
STEPS = [
    "haochaping.demo.workdays.seed_calendar",
    "haochaping.demo.lhasa_org.seed_org",
    "haochaping.demo.lhasa_catalog.seed_catalog",
    "haochaping.demo.accounts.seed_users",
    "haochaping.demo.cases.seed_cases",
    "haochaping.demo.rectification.seed_rectifications",
]


def test_demo_has_a_bad_review_in_every_state():
    # given
    lines: list[str] = []
    ctx = DemoContext(
        rng=random.Random(2021), until=today(), months=1, scale=0.003, log=lines.append
    )
    # when
    for path in STEPS:
        import_string(path)(ctx)
    # then
    assert set(Rectification.objects.values_list("status", flat=True)) == set(Status.values)
    assert any(line.startswith("rectification: 15 demo items in 9 states") for line in lines)
    states = {
        clock_info(r).state for r in Rectification.objects.filter(status__in=Status.open_values())
    }
    assert {"overdue", "ok", "warning"} <= {str(s) for s in states}
    assert Rectification.objects.filter(is_complex=True).exists()
    assert Rectification.objects.filter(paused_at__isnull=False).exists()
    assert Rectification.objects.filter(case__isnull=True).exists()  # 综合点评
    closed = Rectification.objects.filter(status=Status.CLOSED, fix_satisfaction="satisfied").get()
    assert closed.events.count() >= 6
