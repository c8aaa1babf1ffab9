"""Reporting periods: a grain (day, week, month, quarter, year) and a key naming one period.

Keys: ``2026-10-12`` (day), ``2026-W42`` (ISO week), ``2026-10`` (month), ``2026-Q4`` (quarter),
``2026`` (year). A period is the half-open range of local dates ``[start, end)``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from haochaping.core.exceptions import InvalidInput
from haochaping.results.enums import Grain


@dataclass(frozen=True)
class Period:
    grain: Grain
    start: dt.date
    end: dt.date  # exclusive

    @property
    def key(self) -> str:
        return period_key(self.grain, self.start)

    @property
    def month_aligned(self) -> bool:
        return self.start.day == 1 and self.end.day == 1

    def previous(self) -> Period:
        return period_containing(self.grain, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.grain, self.end)

    def __str__(self) -> str:
        return self.key


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def bucket_start(grain: Grain | str, day: dt.date) -> dt.date:
    """The first day of the period of ``grain`` that contains ``day``."""
    grain = Grain(grain)
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    if grain == Grain.QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def period_containing(grain: Grain | str, day: dt.date) -> Period:
    grain = Grain(grain)
    start = bucket_start(grain, day)
    if grain == Grain.DAY:
        end = start + dt.timedelta(days=1)
    elif grain == Grain.WEEK:
        end = start + dt.timedelta(days=7)
    elif grain == Grain.MONTH:
        end = _add_months(start, 1)
    elif grain == Grain.QUARTER:
        end = _add_months(start, 3)
    else:
        end = dt.date(start.year + 1, 1, 1)
    return Period(grain, start, end)


def period_key(grain: Grain | str, start: dt.date) -> str:
    grain = Grain(grain)
    if grain == Grain.DAY:
        return start.isoformat()
    if grain == Grain.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == Grain.MONTH:
        return f"{start:%Y-%m}"
    if grain == Grain.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


_PATTERNS = {
    Grain.DAY: re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    Grain.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    Grain.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    Grain.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    Grain.YEAR: re.compile(r"^(\d{4})$"),
}


def period_parse(grain: str, key: str) -> Period:
    """The period named by ``key``; InvalidInput for an unknown grain or a malformed key."""
    from django.utils.translation import gettext_lazy as _

    if grain not in Grain.values:
        raise InvalidInput(extra={"errors": {"grain": [str(_("Unknown period type."))]}})
    grain = Grain(grain)
    match = _PATTERNS[grain].match(key or "")
    try:
        if match is None:
            raise ValueError(key)
        parts = [int(p) for p in match.groups()]
        if grain == Grain.DAY:
            day = dt.date(*parts)
        elif grain == Grain.WEEK:
            day = dt.date.fromisocalendar(parts[0], parts[1], 1)
        elif grain == Grain.MONTH:
            day = dt.date(parts[0], parts[1], 1)
        elif grain == Grain.QUARTER:
            day = dt.date(parts[0], (parts[1] - 1) * 3 + 1, 1)
        else:
            day = dt.date(parts[0], 1, 1)
    except ValueError:
        raise InvalidInput(
            extra={"errors": {"period": [str(_("This is not a period of the chosen type."))]}}
        ) from None
    return period_containing(grain, day)


def last_periods(grain: Grain | str, end: Period | dt.date, n: int) -> list[Period]:
    """``n`` consecutive periods ending with the one containing ``end`` (oldest first)."""
    current = end if isinstance(end, Period) else period_containing(grain, end)
    out = [current]
    for _ in range(n - 1):
        out.append(out[-1].previous())
    return out[::-1]
