"""The shipped official data: cross-checked against chinese_calendar and DOMAIN.md §9."""

import datetime as dt

import chinese_calendar
import pytest

from haochaping.workdays import fileformat
from haochaping.workdays.arithmetic import is_workday_in
from haochaping.workdays.tests.helpers import d, file_calendar

NATIONAL = file_calendar("")
LHASA = file_calendar("540100")


def all_days(year):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_national_year_agrees_with_chinese_calendar_on_every_day(year):
    # chinesecalendar 1.11 holds the State Council notices up to 2026
    differences = [
        day.isoformat()
        for day in all_days(year)
        if is_workday_in(NATIONAL, day) != chinese_calendar.is_workday(day)
    ]
    assert differences == []


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_every_make_up_day_of_the_package_is_shipped(year):
    ours = sorted(
        day for day, e in NATIONAL.days.items() if e.kind == "workday" and day.year == year
    )
    theirs = sorted(day for day in chinese_calendar.constants.workdays if day.year == year)
    assert ours == theirs


def test_every_entry_names_its_source_and_kind():
    entries = fileformat.read_shipped()
    assert len(entries) > 150
    for entry in entries:
        assert entry["source"], entry
        assert entry["name"], entry
        assert entry["kind"] in ("holiday", "workday"), entry
        assert entry["region"] in ("", "540100"), entry


def test_shipped_files_validate_cleanly_one_year_each():
    for path in fileformat.shipped_files():
        text = path.read_text(encoding="utf-8")
        rows = fileformat.validate_rows(
            fileformat.read_raw(text, "csv"),
            year=int(path.stem[-4:]),
            region_error=lambda code: None,
        )
        assert [r.errors for r in rows if r.errors] == [], path.name


def test_2026_national_notice_as_in_domain_md():
    # DOMAIN.md §9: 1/1-1/3 (1/4 Sun works), 2/15-2/23 (2/14, 2/28 work), 4/4-4/6, 5/1-5/5 (5/9 works),
    # 6/19-6/21, 9/25-9/27 (9/20 works), 10/1-10/7 (10/10 works)
    holidays = sorted(
        day.isoformat()
        for day, e in NATIONAL.days.items()
        if e.kind == "holiday" and day.year == 2026
    )
    expected = []
    for a, b in [
        ("01-01", "01-03"),
        ("02-15", "02-23"),
        ("04-04", "04-06"),
        ("05-01", "05-05"),
        ("06-19", "06-21"),
        ("09-25", "09-27"),
        ("10-01", "10-07"),
    ]:
        day = d(f"2026-{a}")
        while day <= d(f"2026-{b}"):
            expected.append(day.isoformat())
            day += dt.timedelta(days=1)
    assert holidays == expected
    makeups = sorted(
        day.isoformat()
        for day, e in NATIONAL.days.items()
        if e.kind == "workday" and day.year == 2026
    )
    assert makeups == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]


@pytest.mark.parametrize(
    ("first", "last", "makeups"),
    [
        ("2023-02-20", "2023-02-26", ["2023-02-18", "2023-02-19"]),
        ("2025-02-27", "2025-03-04", []),
        ("2026-02-15", "2026-02-26", ["2026-02-14", "2026-02-28"]),
    ],
)
def test_lhasa_losar_years_as_in_domain_md(first, last, makeups):
    year = int(first[:4])
    lhasa_only = {
        day: e for day, e in LHASA.days.items() if e.scope == "540100" and day.year == year
    }
    assert (
        sorted(day.isoformat() for day, e in lhasa_only.items() if e.kind == "workday") == makeups
    )
    off = sorted(day for day, e in lhasa_only.items() if e.kind == "holiday")
    assert (off[0], off[-1], len(off)) == (d(first), d(last), (d(last) - d(first)).days + 1)
    for day in off:
        assert not is_workday_in(LHASA, day)
    for makeup in makeups:
        assert is_workday_in(LHASA, d(makeup))


def test_lhasa_2026_has_three_more_days_off_than_the_nation():
    extra = [
        day.isoformat()
        for day in all_days(2026)
        if is_workday_in(NATIONAL, day) and not is_workday_in(LHASA, day)
    ]
    assert extra == ["2026-02-24", "2026-02-25", "2026-02-26"]
    assert [
        day
        for day in all_days(2026)
        if is_workday_in(LHASA, day) and not is_workday_in(NATIONAL, day)
    ] == []
