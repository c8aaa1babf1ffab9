"""System checks: workdays.W001 (calendar data missing), workdays.E001 (bad closing time)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError


@register("workdays")
def check_calendar_data(app_configs, **kwargs):
    from haochaping.core import clock
    from haochaping.workdays.selectors import missing_years_to_warn, years_with_national_data

    try:
        years = years_with_national_data()
    except DatabaseError:  # tables not migrated yet: nothing to say
        return []
    return [
        Warning(
            f"The working-day calendar has no data for {year}: deadlines in {year} are counted "
            "on weekends alone (national holidays and make-up working days are ignored).",
            hint="Import the State Council notice for the year: 'haochaping workdays import FILE' "
            "or the page /workdays/import/.",
            id="workdays.W001",
        )
        for year in missing_years_to_warn(clock.today(), years)
    ]


@register("workdays")
def check_office_hours(app_configs, **kwargs):
    from haochaping.workdays.arithmetic import parse_closes_at

    value = getattr(settings, "HAOCHAPING", {}).get("OFFICE_CLOSES_AT")
    try:
        parse_closes_at(value)
    except (ValueError, TypeError):
        return [
            Error(
                f"HAOCHAPING['OFFICE_CLOSES_AT'] is {value!r}, not a time.",
                hint="Use 'HH:MM' such as '18:00', or '24:00' for the end of the day.",
                id="workdays.E001",
            )
        ]
    return []
