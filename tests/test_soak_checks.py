"""The soak run's verdict (bench/soak.py ``check``) on a real database: it passes a clean run and
names each kind of loss or duplicate. The soak itself runs in CI (``SOAK_SECONDS=30 make soak``)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import soak

from haochaping.dataout.outbox import OutboxMessage
from haochaping.ratings.tests.helpers import completed_case
from haochaping.rectification.tests.helpers import bad_rating


@pytest.fixture
def clean_run(org_tree):
    """One bad rating stored and acknowledged, its rectification opened, every message delivered."""
    from haochaping.rectification.tests.conftest import ensure_calendar

    ensure_calendar()
    rating = bad_rating(org_tree, case=completed_case(org_tree), idempotency_key="k-1")
    OutboxMessage.objects.update(status="delivered")
    records = [{"idempotencyKey": "k-1", "satisfaction": 1}]
    rater = SimpleNamespace(answers={"k-1": (201, rating.pk)}, retries=Counter())
    ids = list(OutboxMessage.objects.values_list("record_id", flat=True))
    platform = {
        "stats": {"records": len(ids), "deliveries": len(ids), "duplicates": 0},
        "records": [{"recordId": i} for i in ids],
    }
    return rater, records, platform


def test_clean_run_passes(clean_run):
    summary = soak.check(*clean_run)
    assert summary["failures"] == [], summary
    assert summary["acknowledged"] == summary["stored"] == 1
    assert summary["rectifications"] == 1


def test_each_discrepancy_is_named(clean_run):
    rater, records, platform = clean_run

    unanswered = soak.check(SimpleNamespace(answers={}, retries=Counter()), records, platform)
    assert "ratings without a final answer" in unanswered["failures"]

    ghost = SimpleNamespace(answers={**rater.answers, "k-2": (201, 999)}, retries=Counter())
    lost = soak.check(ghost, [*records, {"idempotencyKey": "k-2", "satisfaction": 5}], platform)
    assert "duplicate or lost ratings" in lost["failures"]
    assert lost["acknowledged_not_stored"] == 1

    doubled = {**platform, "stats": {**platform["stats"], "duplicates": 1}}
    assert (
        "platform does not hold every message exactly once"
        in (soak.check(rater, records, doubled)["failures"])
    )
    missing = {**platform, "records": platform["records"][1:]}
    assert (
        "platform does not hold every message exactly once"
        in (soak.check(rater, records, missing)["failures"])
    )

    OutboxMessage.objects.update(status="pending")
    assert "outbox not drained" in soak.check(rater, records, platform)["failures"]
