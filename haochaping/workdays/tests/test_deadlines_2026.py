"""The public API over the database: deadlines around every 2026 holiday, nationally and in Lhasa."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from haochaping.core.exceptions import InvalidInput
from haochaping.workdays import cache
from haochaping.workdays.arithmetic import add_workdays, is_workday, next_workday, workdays_between
from haochaping.workdays.tests.helpers import d

SHANGHAI = ZoneInfo("Asia/Shanghai")

# (start, n, national deadline, Lhasa deadline): worked out by hand from the notices
CASES_2026 = [
    ("2025-12-31", 1, "2026-01-04", "2026-01-04"),  # New Year 1/1-1/3 off, Sun 1/4 works
    ("2025-12-31", 2, "2026-01-05", "2026-01-05"),
    ("2026-02-13", 1, "2026-02-14", "2026-02-14"),  # Sat 2/14 make-up day counts
    ("2026-02-13", 2, "2026-02-24", "2026-02-27"),  # Lhasa: Spring Festival + Losar to 2/26
    ("2026-02-14", 1, "2026-02-24", "2026-02-27"),
    ("2026-02-12", 5, "2026-02-26", "2026-03-02"),
    ("2026-02-12", 15, "2026-03-11", "2026-03-16"),  # the "15" of the 1-5-15 rule
    ("2026-02-26", 1, "2026-02-27", "2026-02-27"),
    ("2026-02-26", 2, "2026-02-28", "2026-02-28"),  # Sat 2/28 works
    ("2026-02-26", 3, "2026-03-02", "2026-03-02"),
    ("2026-04-03", 1, "2026-04-07", "2026-04-07"),  # Qingming 4/4-4/6
    ("2026-04-30", 1, "2026-05-06", "2026-05-06"),  # Labour Day 5/1-5/5
    ("2026-04-30", 4, "2026-05-09", "2026-05-09"),  # Sat 5/9 works
    ("2026-04-30", 5, "2026-05-11", "2026-05-11"),
    ("2026-06-18", 1, "2026-06-22", "2026-06-22"),  # Dragon Boat 6/19-6/21
    ("2026-09-18", 1, "2026-09-20", "2026-09-20"),  # Sun 9/20 works
    ("2026-09-24", 1, "2026-09-28", "2026-09-28"),  # Mid-autumn 9/25-9/27
    ("2026-09-30", 1, "2026-10-08", "2026-10-08"),  # National Day 10/1-10/7
    ("2026-09-30", 3, "2026-10-10", "2026-10-10"),  # Sat 10/10 works
    ("2026-09-30", 4, "2026-10-12", "2026-10-12"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "n", "national", "lhasa"), CASES_2026)
def test_deadlines_around_every_2026_holiday(shipped, start, n, national, lhasa):
    # when
    nat = add_workdays(d(start), n)
    lxa = add_workdays(d(start), n, "540100")
    county = add_workdays(d(start), n, "540102")  # Chengguan inherits Lhasa's entries
    tibet = add_workdays(d(start), n, "540000")  # Tibet-wide scope does not get Lhasa's
    # then
    assert nat == dt.datetime.combine(d(national), dt.time(18), tzinfo=SHANGHAI)
    assert lxa == dt.datetime.combine(d(lhasa), dt.time(18), tzinfo=SHANGHAI)
    assert county == lxa
    assert tibet == nat


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "lhasa"),
    [
        ("2023-02-17", 1, "2023-02-18"),  # 2023 Losar: Sat 2/18 and Sun 2/19 work, 2/20-2/26 off
        ("2023-02-17", 2, "2023-02-19"),
        ("2023-02-17", 3, "2023-02-27"),
        ("2025-02-26", 1, "2025-03-05"),  # 2025 Losar 2/27-3/4, no make-up days
    ],
)
def test_lhasa_losar_deadlines_in_other_years(shipped, start, n, lhasa):
    assert add_workdays(d(start), n, "540100").date() == d(lhasa)


def _oracle(start, n, extra_off=frozenset()):
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day) and day not in extra_off:
            counted += 1
    return day


@pytest.mark.django_db
def test_every_2026_start_against_an_independent_oracle(shipped):
    # given chinese_calendar as the national oracle, plus Lhasa's three extra Losar days
    lhasa_extra = {d("2026-02-24"), d("2026-02-25"), d("2026-02-26")}
    start = d("2025-12-20")
    mismatches = []
    # when: every start day until 1 December, for the plan's deadlines (1, 3, 5, 7, 15)
    while start <= d("2026-12-01"):
        for n in (1, 3, 5, 7, 15):
            if add_workdays(start, n).date() != _oracle(start, n):
                mismatches.append(("national", start, n))
            if add_workdays(start, n, "540100").date() != _oracle(start, n, lhasa_extra):
                mismatches.append(("540100", start, n))
        start += dt.timedelta(days=1)
    # then
    assert mismatches == []


@pytest.mark.django_db
def test_is_workday_next_workday_and_between(shipped):
    assert is_workday(d("2026-02-14"))
    assert not is_workday(d("2026-02-24"), "540100")
    assert is_workday(d("2026-02-24"))
    assert next_workday(d("2026-02-13"), "540100") == d("2026-02-14")
    assert next_workday(d("2026-02-14"), "540100") == d("2026-02-27")
    assert workdays_between(d("2026-02-13"), d("2026-03-02"), "540100") == 4
    assert workdays_between(d("2026-02-13"), d("2026-03-02")) == 7


@pytest.mark.django_db
def test_aware_datetime_start_in_utc_uses_the_lhasa_date(shipped):
    # 2026-02-13 16:30 UTC is already Saturday 2/14 00:30 in Lhasa: 2/14 is the start day
    start = dt.datetime(2026, 2, 13, 16, 30, tzinfo=dt.UTC)
    assert add_workdays(start, 1, "540100") == dt.datetime(2026, 2, 27, 18, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_closing_time_comes_from_settings(shipped, settings):
    settings.HAOCHAPING = {**settings.HAOCHAPING, "OFFICE_CLOSES_AT": "17:30"}
    assert add_workdays(d("2026-02-26"), 2, "540100") == dt.datetime(
        2026, 2, 28, 17, 30, tzinfo=SHANGHAI
    )


@pytest.mark.django_db
def test_a_year_without_data_counts_weekends_and_warns_loudly(caplog):
    # given no entries at all in 2031
    # when
    with caplog.at_level("WARNING", logger="haochaping.workdays"):
        deadline = add_workdays(d("2031-10-01"), 1, "540100")
    # then: Wednesday 1 October 2031 + 1 = Thursday (no National Day data)
    assert deadline.date() == d("2031-10-02")
    assert (
        "No working-day calendar data for 2031 (region 540100): counting Monday-Friday only."
        in caplog.text
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("999999", "Unknown region code “999999”."),
        ("5401", "“5401” is not a region code: A region code has 6, 9 or 12 digits."),
    ],
)
def test_unknown_or_malformed_region_is_refused(code, message):
    with pytest.raises(InvalidInput) as info:
        add_workdays(d("2026-02-13"), 1, code)
    assert info.value.extra == {"errors": {"region": [message]}}


@pytest.mark.django_db
def test_region_row_path_is_used_and_completed_by_code_prefix(shipped, org_tree):
    # given a Region row (Chengguan under Lhasa under Tibet) and a code with no row but known
    from haochaping.workdays.selectors import region_chain

    assert region_chain("540102") == ("", "540000", "540100", "540102")
    assert region_chain("540127") == ("", "540000", "540100", "540127")
    assert region_chain(None) == ("",)


@pytest.mark.django_db
def test_hot_path_does_not_query_per_call(shipped, django_assert_num_queries):
    # given a warm cache
    cache.reset()
    add_workdays(d("2026-02-13"), 5, "540100")
    # when / then: a thousand more calls, no query
    with django_assert_num_queries(0):
        for i in range(1000):
            add_workdays(d("2026-01-01") + dt.timedelta(days=i % 300), 5, "540100")
            is_workday(d("2026-02-24"), "540100")
    assert cache.cached_regions() == ["540100"]


@pytest.mark.django_db
def test_a_change_is_seen_at_once_by_the_next_call(shipped):
    # given
    from haochaping.workdays.services import entry_create

    assert add_workdays(d("2026-03-02"), 1, "540100").date() == d("2026-03-03")
    # when the city announces a one-day holiday on 3/3
    entry_create(
        date=d("2026-03-03"),
        kind="holiday",
        name="临时放假",
        source="test notice",
        region_code="540100",
        acting_user=None,
    )
    # then
    assert add_workdays(d("2026-03-02"), 1, "540100").date() == d("2026-03-04")
    assert add_workdays(d("2026-03-02"), 1).date() == d("2026-03-03")
