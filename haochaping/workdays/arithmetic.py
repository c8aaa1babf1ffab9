"""Working-day arithmetic: pure functions over a loaded :class:`Calendar`, and the public API.

Public API (stable; other capabilities call only these, see docs/workdays.md)::

    is_workday(day, region_code=None) -> bool
    next_workday(day, region_code=None) -> date             # first working day strictly after
    add_workdays(start, n, region_code=None) -> datetime     # deadline: end of the Nth working day
    workdays_between(a, b, region_code=None) -> int          # working days in (a, b]
    explain_workdays(start, n, region_code=None) -> Explanation

Counting rule (Civil Code art. 201/203, DOMAIN.md §9): the day of the triggering event is not
counted; the deadline is the office closing time (``HAOCHAPING["OFFICE_CLOSES_AT"]``, default
18:00, Asia/Shanghai) of the Nth working day after it. ``region_code=None`` or "" means the
national calendar only. A year without any national data is counted on weekends alone and a
warning is logged (plus system check workdays.W001 and the admin banner).

The ``*_in(calendar, ...)`` functions are the pure core: no database, no settings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.exceptions import InvalidInput
from haochaping.workdays.enums import EntryKind

logger = logging.getLogger("haochaping.workdays")

MAX_WORKDAYS = 3650
DEFAULT_CLOSES_AT = dt.time(18, 0)
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DayEntry:
    kind: str
    name: str
    scope: str  # "" national, else the region code the entry belongs to


@dataclass(frozen=True)
class Calendar:
    """A region's effective calendar: the resolved entries of every scope in ``scopes``."""

    region_code: str = ""
    scopes: tuple[str, ...] = ("",)
    days: Mapping[dt.date, DayEntry] = field(default_factory=dict)
    years_with_data: frozenset[int] = frozenset()
    token: str = ""

    def entry(self, day: dt.date) -> DayEntry | None:
        return self.days.get(day)

    def has_data_for(self, year: int) -> bool:
        return year in self.years_with_data


@dataclass(frozen=True)
class Step:
    """One day looked at while counting: counted (with its ordinal) or skipped (with why)."""

    day: dt.date
    counted: int | None  # 1..n when the day counts, None when skipped
    reason: str  # "weekday", "weekend", "holiday", "workday" (make-up), "holiday-no-data" ...
    name: str = ""
    scope: str = ""


@dataclass(frozen=True)
class Explanation:
    start: dt.date
    n: int
    region_code: str
    deadline: dt.datetime
    steps: tuple[Step, ...]
    missing_years: tuple[int, ...]

    @property
    def skipped(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.counted is None)


# --- pure core -----------------------------------------------------------------------------


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The Lhasa-local calendar date of ``value``; naive datetimes are refused."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime or a date")
        return value.astimezone(LOCAL_TZ).date()
    return value


def check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput(
            extra={"errors": {"n": [_("The number of working days must be a whole number.")]}}
        )
    if n < 0:
        raise InvalidInput(
            extra={"errors": {"n": [_("The number of working days cannot be negative.")]}}
        )
    if n > MAX_WORKDAYS:
        raise InvalidInput(
            extra={
                "errors": {
                    "n": [
                        _("The number of working days is at most %(max)s.") % {"max": MAX_WORKDAYS}
                    ]
                }
            }
        )


def is_workday_in(calendar: Calendar, day: dt.date) -> bool:
    entry = calendar.days.get(day)
    if entry is not None:
        return entry.kind == EntryKind.WORKDAY
    return day.weekday() < 5


def next_workday_in(calendar: Calendar, day: dt.date) -> dt.date:
    day = day + ONE_DAY
    while not is_workday_in(calendar, day):
        day += ONE_DAY
    return day


def deadline_date_in(calendar: Calendar, start: dt.date, n: int) -> dt.date:
    """The Nth working day after ``start`` (start not counted). n=0: start if it is a working
    day, else the next working day."""
    check_n(n)
    if n == 0:
        return start if is_workday_in(calendar, start) else next_workday_in(calendar, start)
    day = start
    for _i in range(n):
        day = next_workday_in(calendar, day)
    return day


def end_of_day(day: dt.date, closes_at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, closes_at, tzinfo=LOCAL_TZ)


def add_workdays_in(
    calendar: Calendar, start: dt.date | dt.datetime, n: int, closes_at: dt.time = DEFAULT_CLOSES_AT
) -> dt.datetime:
    return end_of_day(deadline_date_in(calendar, local_date(start), n), closes_at)


def workdays_between_in(
    calendar: Calendar, a: dt.date | dt.datetime, b: dt.date | dt.datetime
) -> int:
    """Working days d with a < d <= b (negative when b is before a)."""
    first, last = local_date(a), local_date(b)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    day = first + ONE_DAY
    while day <= last:
        if is_workday_in(calendar, day):
            count += 1
        day += ONE_DAY
    return sign * count


def _step(calendar: Calendar, day: dt.date, counted: int | None) -> Step:
    entry = calendar.days.get(day)
    if entry is not None:
        return Step(day, counted, entry.kind, entry.name, entry.scope)
    if day.weekday() >= 5:
        return Step(day, counted, "weekend")
    return Step(day, counted, "weekday")


def explain_in(
    calendar: Calendar, start: dt.date | dt.datetime, n: int, closes_at: dt.time = DEFAULT_CLOSES_AT
) -> Explanation:
    first = local_date(start)
    deadline_day = deadline_date_in(calendar, first, n)
    steps = []
    day, counted = first + ONE_DAY, 0
    while day <= deadline_day:
        if is_workday_in(calendar, day):
            counted += 1
            steps.append(_step(calendar, day, counted))
        else:
            steps.append(_step(calendar, day, None))
        day += ONE_DAY
    return Explanation(
        start=first,
        n=n,
        region_code=calendar.region_code,
        deadline=end_of_day(deadline_day, closes_at),
        steps=tuple(steps),
        missing_years=missing_years_in(calendar, first, deadline_day),
    )


def missing_years_in(calendar: Calendar, a: dt.date, b: dt.date) -> tuple[int, ...]:
    low, high = sorted((a.year, b.year))
    return tuple(y for y in range(low, high + 1) if not calendar.has_data_for(y))


def parse_closes_at(value: str | dt.time | None) -> dt.time:
    """ "HH:MM" (00:00-23:59) or "24:00" (the very end of the day)."""
    if value is None:
        return DEFAULT_CLOSES_AT
    if isinstance(value, dt.time):
        return value
    text = str(value).strip()
    if text == "24:00":
        return dt.time.max
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"OFFICE_CLOSES_AT must be HH:MM, got {value!r}") from None


# --- public API: the same over the cached calendar of a region ------------------------------

_warned_years: set[tuple[str, int]] = set()


def _calendar(region_code: str | None) -> Calendar:
    from haochaping.workdays.cache import calendar_for

    return calendar_for(region_code)


def closes_at() -> dt.time:
    from django.conf import settings

    return parse_closes_at(getattr(settings, "HAOCHAPING", {}).get("OFFICE_CLOSES_AT"))


def _warn_missing(calendar: Calendar, a: dt.date, b: dt.date) -> None:
    for year in missing_years_in(calendar, a, b):
        if (calendar.region_code, year) not in _warned_years:
            _warned_years.add((calendar.region_code, year))
            logger.warning(
                "No working-day calendar data for %s (region %s): counting Monday-Friday only. "
                "Load the State Council notice (haochaping workdays import FILE).",
                year,
                calendar.region_code or "national",
            )


def is_workday(day: dt.date | dt.datetime, region_code: str | None = None) -> bool:
    calendar = _calendar(region_code)
    local = local_date(day)
    _warn_missing(calendar, local, local)
    return is_workday_in(calendar, local)


def next_workday(day: dt.date | dt.datetime, region_code: str | None = None) -> dt.date:
    calendar = _calendar(region_code)
    local = local_date(day)
    result = next_workday_in(calendar, local)
    _warn_missing(calendar, local, result)
    return result


def add_workdays(
    start: dt.date | dt.datetime, n: int, region_code: str | None = None
) -> dt.datetime:
    calendar = _calendar(region_code)
    result = add_workdays_in(calendar, start, n, closes_at())
    _warn_missing(calendar, local_date(start), result.date())
    return result


def workdays_between(
    a: dt.date | dt.datetime, b: dt.date | dt.datetime, region_code: str | None = None
) -> int:
    calendar = _calendar(region_code)
    _warn_missing(calendar, local_date(a), local_date(b))
    return workdays_between_in(calendar, a, b)


def explain_workdays(
    start: dt.date | dt.datetime, n: int, region_code: str | None = None
) -> Explanation:
    calendar = _calendar(region_code)
    explanation = explain_in(calendar, start, n, closes_at())
    _warn_missing(calendar, explanation.start, explanation.deadline.date())
    return explanation
