"""System check workdays.W001/E001, the banner context processor and template."""

import datetime as dt

import pytest
import time_machine
from django.core.checks import run_checks
from django.template.loader import render_to_string
from django.test import RequestFactory

from haochaping.accounts.enums import Role
from haochaping.testing.builders import make_user
from haochaping.workdays.context_processors import calendar_warning
from haochaping.workdays.models import CalendarEntry
from haochaping.workdays.selectors import missing_years_to_warn

pytestmark = pytest.mark.django_db


def workdays_messages():
    return [(m.id, m.msg) for m in run_checks(tags=["workdays"])]


@pytest.mark.parametrize(
    ("today", "years", "expected"),
    [
        ("2026-06-01", {2026}, []),
        ("2026-10-31", {2026}, []),
        ("2026-11-01", {2026}, [2027]),
        ("2026-11-01", {2026, 2027}, []),
        ("2027-01-02", {2026}, [2027]),
        ("2027-12-31", set(), [2027, 2028]),
    ],
)
def test_which_years_to_warn_about(today, years, expected):
    assert missing_years_to_warn(dt.date.fromisoformat(today), years) == expected


@time_machine.travel(dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC), tick=False)
def test_no_warning_when_the_current_year_is_loaded(shipped):
    assert workdays_messages() == []


@time_machine.travel(dt.datetime(2026, 11, 2, 4, 0, tzinfo=dt.UTC), tick=False)
def test_w001_from_november_when_next_year_is_missing(shipped):
    assert workdays_messages() == [
        (
            "workdays.W001",
            "The working-day calendar has no data for 2027: deadlines in 2027 are counted on weekends alone "
            "(national holidays and make-up working days are ignored).",
        )
    ]


@time_machine.travel(dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC), tick=False)
def test_w001_when_the_current_year_is_missing():
    CalendarEntry.objects.filter(region_code="", date__year=2026).delete()
    assert [m[0] for m in workdays_messages()] == ["workdays.W001"]
    assert "no data for 2026" in workdays_messages()[0][1]


def test_e001_for_a_bad_closing_time(settings, shipped):
    settings.HAOCHAPING = {**settings.HAOCHAPING, "OFFICE_CLOSES_AT": "6pm"}
    assert (
        "workdays.E001",
        "HAOCHAPING['OFFICE_CLOSES_AT'] is '6pm', not a time.",
    ) in workdays_messages()


@time_machine.travel(dt.datetime(2026, 11, 2, 4, 0, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("role", "superuser", "shown"),
    [
        (Role.ADMIN, False, True),
        (Role.LIAISON, False, True),
        (Role.HANDLER, False, False),
        (Role.LEADER, True, True),
    ],
)
def test_banner_for_admins_only(shipped, role, superuser, shown):
    # given
    user = make_user("u", role)
    user.is_superuser = superuser
    request = RequestFactory().get("/")
    request.user = user
    # when
    context = calendar_warning(request)
    html = render_to_string("workdays/_banner.html", context)
    # then
    assert context == ({"workdays_missing_years": [2027]} if shown else {})
    if shown:
        assert 'data-testid="workdays-banner"' in html
        assert 'href="/workdays/import/?year=2027"' in html
    else:
        assert html.strip() == ""


@time_machine.travel(dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC), tick=False)
def test_no_banner_when_data_is_complete(shipped, django_assert_max_num_queries):
    request = RequestFactory().get("/")
    request.user = make_user("a", Role.ADMIN)
    calendar_warning(request)  # warm the cache
    with django_assert_max_num_queries(0):
        assert calendar_warning(request) == {}
