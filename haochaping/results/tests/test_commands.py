"""Operator commands and the periodic task."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from haochaping.results.models import CaseDayCount, UnitDayCount

pytestmark = pytest.mark.django_db


def test_refresh_cases_command(dataset):
    CaseDayCount.objects.all().delete()
    out = StringIO()
    call_command("results_refresh_cases", "--from", "2026-10-01", "--to", "2026-11-01", stdout=out)
    assert out.getvalue().startswith(
        f"{CaseDayCount.objects.count()} rows for 2026-10-01..2026-10-31"
    )
    assert sum(CaseDayCount.objects.values_list("completed", flat=True)) == 10


def test_refresh_cases_command_refuses_an_empty_range():
    with pytest.raises(CommandError, match="--from must be before --to"):
        call_command("results_refresh_cases", "--from", "2026-10-02", "--to", "2026-10-01")


def test_rebuild_command(dataset):
    UnitDayCount.objects.all().delete()
    out = StringIO()
    call_command("results_rebuild", stdout=out)
    report = json.loads(out.getvalue())
    assert report["day_rows"] == UnitDayCount.objects.count() > 0
    assert report["reason_rows"] == 3 + 1  # 113, 115, 213 and 510


def test_periodic_task_refreshes_the_rating_window(dataset):
    from haochaping.results.tasks import refresh_case_counts

    CaseDayCount.objects.all().delete()
    result = refresh_case_counts.call()
    assert result["rows"] == CaseDayCount.objects.count()
    # the window reaches back 36 days from 2026-11-06 (exclusive): October, not September 30
    assert not CaseDayCount.objects.filter(day=dt.date(2026, 9, 30)).exists()
    assert sum(CaseDayCount.objects.values_list("completed", flat=True)) == 10
