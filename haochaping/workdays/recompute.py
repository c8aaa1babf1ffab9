"""Deadline recomputation when the calendar changes: a registry other apps plug into.

An app that stores deadlines computed from the calendar (rectification ``due_at``, appeal
deadlines ...) registers one callback, usually in its ``AppConfig.ready()``::

    from haochaping.workdays import recompute

    def recompute_rectification_deadlines(changed_dates: set[date], region_codes: set[str]) -> int:
        # find OPEN items whose window (start .. due) touches a changed date and whose region
        # is covered by one of region_codes (see covers()), recompute due_at with
        # arithmetic.add_workdays, save, and write a timeline row saying so.
        return number_of_items_changed

    recompute.register("rectification", recompute_rectification_deadlines)

Every calendar service (add, edit, delete, import) calls :func:`run_all` in the SAME
transaction, after the change and after the in-process cache is invalidated, so the
callbacks already see the new calendar; if a callback raises, the calendar change rolls back
too. ``region_codes`` holds the changed scopes ("" = national, i.e. every region).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

logger = logging.getLogger("haochaping.workdays")

Callback = Callable[[set[dt.date], set[str]], int]
_registry: dict[str, Callback] = {}


def register(name: str, callback: Callback) -> None:
    """Register (or replace) the callback called ``name``."""
    _registry[name] = callback


def unregister(name: str) -> None:
    _registry.pop(name, None)


def registered() -> list[str]:
    return sorted(_registry)


def run_all(changed_dates: set[dt.date], region_codes: set[str]) -> dict[str, int]:
    """Call every callback; return {name: items recomputed}. Must run inside the change's
    transaction; exceptions propagate (and roll the change back)."""
    if not changed_dates:
        return {}
    results: dict[str, int] = {}
    for name in sorted(_registry):
        results[name] = int(_registry[name](set(changed_dates), set(region_codes)))
        if results[name]:
            logger.info("calendar change: %s recomputed %s deadlines", name, results[name])
    return results


def covers(changed_scope: str, region_path_or_code: str) -> bool:
    """Whether a change in ``changed_scope`` can affect an item located in a region.

    ``region_path_or_code`` is a Region.path ("/540000/540100/540102/") or a code; the
    national scope "" covers everything, a region scope covers itself and its descendants.
    """
    if changed_scope == "":
        return True
    if region_path_or_code.startswith("/"):
        return f"/{changed_scope}/" in region_path_or_code
    from haochaping.workdays.selectors import prefix_chain

    return changed_scope in prefix_chain(region_path_or_code)


def window_touches(start: dt.date, due: dt.date, changed_dates: set[dt.date]) -> bool:
    """Whether a change can move a deadline counted from ``start`` to ``due``: only a changed
    day inside the window (start excluded, due included) changes the count."""
    return any(start < day <= due for day in changed_dates)
