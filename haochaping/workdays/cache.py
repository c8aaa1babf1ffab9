"""The in-process calendar cache: one resolved Calendar per region, keyed by the DB token.

Hot paths (deadline sweeps, ranking) call the arithmetic thousands of times; they must not
query per call. Each process keeps the calendars it loaded together with the token of
``CalendarState`` they were loaded under. The token is re-read at most every
``HAOCHAPING["WORKDAYS_CACHE_SECONDS"]`` seconds (default 5), so a change made by another
process is seen within that time; a change made by this process is seen at once, because
every calendar service calls :func:`invalidate` inside its transaction.

After a local write the cache stays "dirty" (the token is re-read on every call) until the
transaction commits, or until a read outside any transaction confirms the committed token:
this covers transactions that roll back (and tests, which always roll back).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection, transaction

from haochaping.workdays.arithmetic import Calendar

_lock = threading.Lock()
_calendars: dict[str, Calendar] = {}
_state: dict = {"token": None, "checked_at": 0.0, "dirty": False}


def _ttl() -> float:
    return float(getattr(settings, "HAOCHAPING", {}).get("WORKDAYS_CACHE_SECONDS", 5))


def _token() -> str:
    from haochaping.workdays.selectors import current_token

    now = time.monotonic()
    with _lock:
        fresh = (
            not _state["dirty"]
            and _state["token"] is not None
            and now - _state["checked_at"] < _ttl()
        )
        if fresh:
            return _state["token"]
    token = current_token()
    with _lock:
        if token != _state["token"]:
            _calendars.clear()
        _state["token"] = token
        _state["checked_at"] = now
        if _state["dirty"] and not connection.in_atomic_block:
            _state["dirty"] = False
    return token


def calendar_for(region_code: str | None) -> Calendar:
    """The effective calendar of a region ("" or None: national), loaded once per token."""
    from haochaping.workdays.selectors import load_calendar, normalise_region

    code = normalise_region(region_code)
    token = _token()
    cached = _calendars.get(code)
    if cached is not None and cached.token == token:
        return cached
    calendar = load_calendar(code, token)
    with _lock:
        if _state["token"] == token:
            _calendars[code] = calendar
    return calendar


def invalidate() -> None:
    """Forget every calendar now; called by the services inside their transaction."""
    with _lock:
        _calendars.clear()
        _state.update(token=None, checked_at=0.0, dirty=True)
    if connection.in_atomic_block:
        transaction.on_commit(_committed)


def _committed() -> None:
    with _lock:
        _calendars.clear()
        _state.update(token=None, checked_at=0.0, dirty=False)


def reset() -> None:
    """Start from nothing (used after the tables are flushed, and by tests)."""
    _committed()


def cached_regions() -> list[str]:
    return sorted(_calendars)
