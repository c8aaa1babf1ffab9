"""Calendars for pure tests, built from the shipped files without the database."""

from __future__ import annotations

import datetime as dt

from haochaping.workdays import fileformat
from haochaping.workdays.arithmetic import Calendar, DayEntry
from haochaping.workdays.selectors import prefix_chain


def file_calendar(region_code: str = "") -> Calendar:
    scopes = ("", *prefix_chain(region_code)) if region_code else ("",)
    rank = {s: i for i, s in enumerate(scopes)}
    best: dict[dt.date, tuple[int, DayEntry]] = {}
    years = set()
    for raw in fileformat.read_shipped():
        scope = raw["region"]
        if scope not in rank:
            continue
        day = dt.date.fromisoformat(raw["date"])
        if scope == "":
            years.add(day.year)
        if day not in best or rank[scope] > best[day][0]:
            best[day] = (
                rank[scope],
                DayEntry(fileformat.KIND_ALIASES[raw["kind"]].value, raw["name"], scope),
            )
    return Calendar(region_code, scopes, {d: e for d, (_r, e) in best.items()}, frozenset(years))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
