"""Pure arithmetic over hand-built and shipped calendars (no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haochaping.core.exceptions import InvalidInput
from haochaping.workdays.arithmetic import (
    MAX_WORKDAYS,
    Calendar,
    DayEntry,
    add_workdays_in,
    deadline_date_in,
    explain_in,
    is_workday_in,
    local_date,
    next_workday_in,
    parse_closes_at,
    workdays_between_in,
)
from haochaping.workdays.tests.helpers import d, file_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
EMPTY = Calendar()
NATIONAL = file_calendar("")
LHASA = file_calendar("540100")


# --- weekends only (no data) -----------------------------------------------------------------


def test_without_data_monday_to_friday_work():
    # given a week in a year without entries: Mon 2031-03-03 .. Sun 2031-03-09
    days = [dt.date(2031, 3, 3) + dt.timedelta(days=i) for i in range(7)]
    # then
    assert [is_workday_in(EMPTY, day) for day in days] == [True] * 5 + [False] * 2


def test_friday_plus_one_is_monday_end_of_day_in_shanghai():
    # given Friday 2031-03-07
    # when
    deadline = add_workdays_in(EMPTY, dt.date(2031, 3, 7), 1)
    # then
    assert deadline == dt.datetime(2031, 3, 10, 18, 0, tzinfo=SHANGHAI)
    assert deadline.utcoffset() == dt.timedelta(hours=8)


def test_start_day_is_not_counted_even_when_it_is_a_working_day():
    assert deadline_date_in(EMPTY, d("2031-03-03"), 1) == d("2031-03-04")
    assert deadline_date_in(EMPTY, d("2031-03-03"), 5) == d("2031-03-10")


def test_zero_days_is_the_start_day_when_working_else_the_next_working_day():
    assert deadline_date_in(EMPTY, d("2031-03-05"), 0) == d("2031-03-05")
    assert deadline_date_in(EMPTY, d("2031-03-08"), 0) == d("2031-03-10")


def test_aware_datetime_start_uses_the_lhasa_local_date():
    # given 2031-03-06 17:30 UTC = Friday 2031-03-07 01:30 in Lhasa
    start = dt.datetime(2031, 3, 6, 17, 30, tzinfo=dt.UTC)
    # when / then: the start day is Friday, so one working day later is Monday
    assert local_date(start) == d("2031-03-07")
    assert add_workdays_in(EMPTY, start, 1) == dt.datetime(2031, 3, 10, 18, 0, tzinfo=SHANGHAI)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive datetime"):
        add_workdays_in(EMPTY, dt.datetime(2031, 3, 6, 12, 0), 1)


@pytest.mark.parametrize(
    ("n", "message"),
    [
        (-1, "The number of working days cannot be negative."),
        (MAX_WORKDAYS + 1, "The number of working days is at most 3650."),
    ],
)
def test_negative_or_absurd_n_is_refused_with_a_field_error(n, message):
    with pytest.raises(InvalidInput) as info:
        deadline_date_in(EMPTY, d("2026-03-02"), n)
    assert info.value.extra == {"errors": {"n": [message]}}


def test_the_largest_n_is_accepted():
    assert deadline_date_in(EMPTY, d("2026-03-02"), MAX_WORKDAYS) > d("2040-01-01")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, dt.time(18, 0)),
        ("17:30", dt.time(17, 30)),
        ("24:00", dt.time.max),
        (dt.time(9), dt.time(9)),
    ],
)
def test_closing_time_setting(value, expected):
    assert parse_closes_at(value) == expected


def test_closing_time_setting_refuses_garbage():
    with pytest.raises(ValueError, match="OFFICE_CLOSES_AT must be HH:MM"):
        parse_closes_at("six pm")


def test_configured_closing_time_is_used():
    assert add_workdays_in(EMPTY, d("2031-03-07"), 1, parse_closes_at("17:30")) == dt.datetime(
        2031, 3, 10, 17, 30, tzinfo=SHANGHAI
    )


def test_more_specific_scope_wins_on_a_date():
    # given a national holiday that a region works (and the reverse)
    calendar = Calendar(
        "540100",
        ("", "540000", "540100"),
        {
            d("2031-03-04"): DayEntry("workday", "region works", "540100"),
            d("2031-03-05"): DayEntry("holiday", "region off", "540100"),
        },
        frozenset({2031}),
    )
    assert is_workday_in(calendar, d("2031-03-04"))
    assert not is_workday_in(calendar, d("2031-03-05"))


def test_workdays_between_counts_the_end_not_the_start_and_is_signed():
    assert workdays_between_in(EMPTY, d("2031-03-07"), d("2031-03-10")) == 1
    assert workdays_between_in(EMPTY, d("2031-03-10"), d("2031-03-07")) == -1
    assert workdays_between_in(EMPTY, d("2031-03-03"), d("2031-03-03")) == 0
    assert workdays_between_in(EMPTY, d("2031-03-02"), d("2031-03-09")) == 5


def test_explanation_lists_skipped_days_with_reasons():
    # when: 1 working day after Friday 2026-02-13 in Lhasa -> Sat 2/14 (make-up) counts
    explanation = explain_in(LHASA, d("2026-02-13"), 2)
    # then
    assert explanation.deadline.date() == d("2026-02-27")
    assert [(s.day.isoformat(), s.counted, s.reason) for s in explanation.steps[:2]] == [
        ("2026-02-14", 1, "workday"),
        ("2026-02-15", None, "holiday"),
    ]
    assert len(explanation.skipped) == 12
    assert {s.name for s in explanation.skipped} == {"春节、藏历新年"}
    assert explanation.missing_years == ()


def test_explanation_reports_years_without_data():
    assert explain_in(NATIONAL, d("2026-12-28"), 10).missing_years == (2027,)


# --- property tests --------------------------------------------------------------------------

days_in_range = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def calendars(draw):
    """Random calendars: holidays on any day, make-up working days on weekends."""
    entries = {}
    for day in draw(st.lists(days_in_range, max_size=60)):
        entries[day] = DayEntry("holiday", "h", "")
    for day in draw(st.lists(days_in_range.filter(lambda x: x.weekday() >= 5), max_size=20)):
        entries[day] = DayEntry("workday", "w", "")
    return Calendar("", ("",), entries, frozenset(range(2023, 2028)))


any_calendar = st.one_of(st.just(NATIONAL), st.just(LHASA), st.just(EMPTY), calendars())
small_n = st.integers(min_value=1, max_value=60)


@settings(max_examples=300, deadline=None)
@given(calendar=any_calendar, start=days_in_range, n=small_n)
def test_property_never_lands_on_a_non_working_day(calendar, start, n):
    deadline = add_workdays_in(calendar, start, n)
    assert is_workday_in(calendar, deadline.date())
    assert deadline.date() > start


@settings(max_examples=300, deadline=None)
@given(calendar=any_calendar, start=days_in_range, n=small_n, k=small_n)
def test_property_monotonic_in_n(calendar, start, n, k):
    assert add_workdays_in(calendar, start, n) < add_workdays_in(calendar, start, n + k)
    assert add_workdays_in(calendar, start, 0) <= add_workdays_in(calendar, start, 1)


@settings(max_examples=300, deadline=None)
@given(calendar=any_calendar, start=days_in_range, n=small_n)
def test_property_adding_then_counting_back_gives_n(calendar, start, n):
    deadline = add_workdays_in(calendar, start, n)
    assert workdays_between_in(calendar, start, deadline) == n
    # the day before the deadline is still short of n
    assert workdays_between_in(calendar, start, deadline.date() - dt.timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(calendar=calendars(), data=st.data())
def test_property_make_up_weekend_days_count(calendar, data):
    makeups = sorted(day for day, e in calendar.days.items() if e.kind == "workday")
    if not makeups:
        return
    day = data.draw(st.sampled_from(makeups))
    assert day.weekday() >= 5
    assert is_workday_in(calendar, day)
    assert next_workday_in(calendar, day - dt.timedelta(days=1)) == day
    assert deadline_date_in(calendar, day - dt.timedelta(days=1), 1) == day


@settings(max_examples=200, deadline=None)
@given(calendar=any_calendar, start=days_in_range)
def test_property_next_workday_is_add_one(calendar, start):
    assert next_workday_in(calendar, start) == add_workdays_in(calendar, start, 1).date()


@settings(max_examples=200, deadline=None)
@given(calendar=any_calendar, a=days_in_range, b=days_in_range, c=days_in_range)
def test_property_counting_is_additive_and_antisymmetric(calendar, a, b, c):
    assert workdays_between_in(calendar, a, b) == -workdays_between_in(calendar, b, a)
    assert workdays_between_in(calendar, a, c) == (
        workdays_between_in(calendar, a, b) + workdays_between_in(calendar, b, c)
    )


def test_every_shipped_make_up_day_counts():
    for calendar in (NATIONAL, LHASA):
        makeups = [day for day, e in calendar.days.items() if e.kind == "workday"]
        assert makeups
        for day in makeups:
            assert day.weekday() >= 5
            assert deadline_date_in(calendar, day - dt.timedelta(days=1), 1) == day
