"""The measurement: labelled synthetic traffic through the real pipeline, scored per check."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from haochaping.integrity.synthetic import evaluate
from haochaping.ratings.models import Rating

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_check_meets_its_goal_and_clean_traffic_is_left_alone():
    # when the documented dataset (10 days, 5 units, 10 clean ratings per unit and weekday,
    # default thresholds) goes through the pipeline
    result = evaluate(seed=1, days=10, units=5, per_day=10)
    # then every injected pattern is caught by its check, precisely
    assert result.errors == {}
    for row in result.rows:
        assert row["injected"] > 0, row
        assert row["precision"] >= 0.9, row
        assert row["recall"] >= 0.8, row
    # and fewer than 1% of the clean ratings are flagged, on enough of them for 1% to mean
    # something (at 300 clean ratings, 3 false flags already fail)
    assert result.clean >= 300
    assert result.false_flag_rate < 0.01, (result.clean_flagged, result.clean)
    # and nothing is left behind (the run is rolled back)
    assert Rating.objects.count() == 0


def test_the_command_prints_the_table(capsys):
    call_command("integrity", "evaluate", "--days", "3", "--units", "3", "--per-day", "3")
    out = capsys.readouterr().out
    assert "check            fired  true  inj. precision  recall  clean  other" in out
    assert "false flags on clean traffic:" in out
