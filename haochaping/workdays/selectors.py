"""Reads over the calendar: region scopes, a region's effective calendar, entry lists."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from haochaping.core.exceptions import InvalidInput
from haochaping.core.identifiers import validate_region_code
from haochaping.org.models import Region
from haochaping.workdays.arithmetic import Calendar, DayEntry
from haochaping.workdays.models import CalendarAudit, CalendarEntry, CalendarState

# Region codes usable even before the org tree is loaded (DOMAIN.md §10): Tibet, Lhasa, its
# districts/counties and parks. Any other code needs a Region row.
BUILTIN_REGION_CODES = frozenset(
    {
        "540000",
        "540100",
        "540102",
        "540103",
        "540104",
        "540121",
        "540122",
        "540123",
        "540124",
        "540127",
        "540171",
        "540172",
        "540173",
        "540174",
    }
)


def prefix_chain(code: str) -> list[str]:
    """Ancestors by GB/T 2260 code shape, root first: 540102 -> [540000, 540100, 540102]."""
    chain: list[str] = []
    for candidate in (code[:2] + "0000", code[:4] + "00", code[:6], code[:9], code):
        if len(candidate) <= len(code) and candidate not in chain:
            chain.append(candidate)
    return chain


def region_code_error(code: str) -> str | None:
    """A message when ``code`` cannot be used as a calendar scope, else None."""
    try:
        validate_region_code(code)
    except ValidationError as exc:
        return _("“%(code)s” is not a region code: %(reason)s") % {
            "code": code,
            "reason": exc.messages[0],
        }
    if code in BUILTIN_REGION_CODES or Region.objects.filter(code=code).exists():
        return None
    return _("Unknown region code “%(code)s”.") % {"code": code}


def normalise_region(code: str | None) -> str:
    return (code or "").strip()


def region_chain(code: str | None) -> tuple[str, ...]:
    """The scopes of a region's calendar, least specific first: ("", "540000", "540100", ...).

    Uses the Region row's path when there is one, completed by the code-prefix ancestors
    (so a tree rooted at 540100 still inherits the Tibet-wide 540000 entries).
    Raises InvalidInput for an unknown or malformed code.
    """
    code = normalise_region(code)
    if not code:
        return ("",)
    message = region_code_error(code)
    if message:
        raise InvalidInput(message, extra={"errors": {"region": [message]}})
    region = Region.objects.filter(code=code).only("path").first()
    path_codes = [c for c in region.path.strip("/").split("/") if c] if region else []
    prefix = [c for c in prefix_chain(code) if c not in path_codes]
    return ("", *prefix, *path_codes) if path_codes else ("", *prefix_chain(code))


def current_token() -> str:
    state = CalendarState.objects.filter(pk=1).values_list("token", flat=True).first()
    return state or ""


def load_calendar(code: str | None, token: str = "") -> Calendar:
    scopes = region_chain(code)
    rank = {scope: i for i, scope in enumerate(scopes)}
    resolved: dict[dt.date, tuple[int, DayEntry]] = {}
    years: set[int] = set()
    rows = CalendarEntry.objects.filter(region_code__in=scopes).values_list(
        "date", "kind", "name", "region_code"
    )
    for day, kind, name, scope in rows:
        if scope == "":
            years.add(day.year)
        current = resolved.get(day)
        if current is None or rank[scope] > current[0]:
            resolved[day] = (rank[scope], DayEntry(kind, name, scope))
    return Calendar(
        region_code=normalise_region(code),
        scopes=scopes,
        days={day: entry for day, (_rank, entry) in resolved.items()},
        years_with_data=frozenset(years),
        token=token,
    )


def entry_list(
    *, year: int | None = None, region_code: str | None = None
) -> QuerySet[CalendarEntry]:
    """Entries, optionally of one year and one scope ("" national; None every scope)."""
    qs = CalendarEntry.objects.all()
    if year is not None:
        qs = qs.filter(date__year=year)
    if region_code is not None:
        qs = qs.filter(region_code=region_code)
    return qs.order_by("date", "region_code")


def entry_get(entry_id: int) -> CalendarEntry:
    from haochaping.core.exceptions import NotFound

    try:
        return CalendarEntry.objects.get(pk=entry_id)
    except CalendarEntry.DoesNotExist:
        raise NotFound() from None


def years_with_national_data() -> set[int]:
    return {d.year for d in CalendarEntry.objects.filter(region_code="").dates("date", "year")}


def year_summary(year: int) -> list[dict]:
    """Per scope: holidays and make-up days in ``year``."""
    return list(
        CalendarEntry.objects.filter(date__year=year)
        .values("region_code")
        .annotate(
            holidays=Count("id", filter=Q(kind="holiday")),
            workdays=Count("id", filter=Q(kind="workday")),
        )
        .order_by("region_code")
    )


def scopes_in_use() -> list[str]:
    return list(
        CalendarEntry.objects.values_list("region_code", flat=True)
        .distinct()
        .order_by("region_code")
    )


def years_in_use() -> list[int]:
    return sorted(
        CalendarEntry.objects.annotate(y=ExtractYear("date")).values_list("y", flat=True).distinct()
    )


def audit_list(*, limit: int = 200) -> QuerySet[CalendarAudit]:
    return CalendarAudit.objects.select_related("actor").order_by("-at", "-id")[:limit]


def missing_years_to_warn(today: dt.date, years_with_data: set[int] | frozenset[int]) -> list[int]:
    """The years an administrator must load now: the current year when it has no national
    data, and from 1 November the next year too (the State Council announces in November)."""
    missing = []
    if today.year not in years_with_data:
        missing.append(today.year)
    if today.month >= 11 and today.year + 1 not in years_with_data:
        missing.append(today.year + 1)
    return missing
