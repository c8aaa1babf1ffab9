"""The demo step makes appeals in every state through the real services."""

import datetime as dt
import random

import pytest
from django.utils.module_loading import import_string

from haochaping.appeals.enums import Outcome, Status
from haochaping.appeals.models import Appeal, RectificationNotice
from haochaping.demo.context import DemoContext
from haochaping.demo.registry import STEPS
from haochaping.ratings.enums import Validity

pytestmark = pytest.mark.django_db

# The steps this one needs (org, calendar, users, cases); ratings come from the step itself.
NEEDED = ("workdays", "lhasa_org", "lhasa_catalog", "accounts", "cases")


def test_demo_appeals_in_every_state():
    assert STEPS.index("haochaping.demo.appeals.seed_appeals") > STEPS.index(
        "haochaping.demo.rectification.seed_rectifications"
    )
    log: list[str] = []
    ctx = DemoContext(
        rng=random.Random(7), until=dt.date(2026, 10, 31), months=1, scale=0.003, log=log.append
    )
    for path in STEPS:
        if path.split(".")[2] in NEEDED:
            import_string(path)(ctx)
    import_string("haochaping.demo.appeals.seed_appeals")(ctx)
    states = sorted(Appeal.objects.values_list("status", "final_outcome"))
    assert states == sorted(
        [
            (Status.PENDING, ""),
            (Status.DECIDED, Outcome.UPHELD),
            (Status.DECIDED, Outcome.EXPLANATION),
            (Status.DECIDED, Outcome.NOT_ADOPTED),
            (Status.FURTHER_REVIEW, Outcome.UPHELD),
            (Status.FINAL, Outcome.NOT_ADOPTED),
        ]
    )
    # one more notice is still open for appeal, without an appeal
    assert RectificationNotice.objects.filter(rectification__appeal__isnull=True).count() == 1
    excluded = Appeal.objects.filter(
        final_outcome=Outcome.NOT_ADOPTED, rating__validity=Validity.EXCLUDED
    )
    assert excluded.count() == 2
    assert log[-1].startswith("appeals: notice rectification ")
