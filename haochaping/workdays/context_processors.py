"""``calendar_warning``: tells admins and the liaison when the working-day calendar lacks a year.

Add "haochaping.workdays.context_processors.calendar_warning" to the template context processors
and ``{% include "workdays/_banner.html" %}`` to base.html. Costs no query per page: it reads
the cached national calendar.
"""

from __future__ import annotations

from haochaping.accounts.enums import Role
from haochaping.core import clock


def calendar_warning(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not (user.is_superuser or getattr(user, "role", None) in (Role.ADMIN, Role.LIAISON)):
        return {}
    from haochaping.workdays.cache import calendar_for
    from haochaping.workdays.selectors import missing_years_to_warn

    missing = missing_years_to_warn(clock.today(), calendar_for("").years_with_data)
    return {"workdays_missing_years": missing} if missing else {}
