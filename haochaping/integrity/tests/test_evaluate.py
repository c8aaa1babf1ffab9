"""The measurement: labelled synthetic traffic through the real pipeline, scored per check."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from haochaping.integrity.synthetic import evaluate
from haochaping.ratings.models import Rating

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_check_meets_its_goal_on_a_small_generated_dataset(settings):
    # given the unit-share check scaled to a small dataset (3 units x 6 ratings a day)
    settings.HAOCHAPING_INTEGRITY = {"SHARE_MIN_RATINGS": 4, "BASELINE_CACHE_SECONDS": 0}
    # when a small labelled dataset goes through the pipeline
    result = evaluate(seed=7, days=5, units=3, per_day=6)
    # then every injected pattern is caught by its check, precisely
    assert result.errors == {}
    for row in result.rows:
        assert row["injected"] > 0, row
        assert row["precision"] >= 0.9, row
        assert row["recall"] >= 0.8, row
    assert result.clean >= 60
    # a small dataset dense with injections (bursts share hours with clean tablet ratings):
    # the < 1% goal is measured on the larger run in docs/integrity.md (0/350)
    assert result.false_flag_rate < 0.05
    # and nothing is left behind (the run is rolled back)
    assert Rating.objects.count() == 0


def test_the_command_prints_the_table(capsys):
    call_command("integrity", "evaluate", "--days", "3", "--units", "3", "--per-day", "3")
    out = capsys.readouterr().out
    assert "check            fired  true  inj. precision  recall  clean  other" in out
    assert "false flags on clean traffic:" in out
