"""Role-scoped dashboards: overview (city, county, unit), rankings, and the rating drill-down.

Every page is scoped by :func:`accounts.access.unit_list_for`; a county or unit outside the
user's scope is "not found" (404). Window staff have no dashboard (403).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from haochaping.accounts.access import access_unit, require_role, unit_list_for
from haochaping.accounts.enums import Role
from haochaping.core.clock import LOCAL_TZ, today
from haochaping.core.db import reading_replica
from haochaping.core.exceptions import ApplicationError, InvalidInput, NotFound
from haochaping.org.models import Region
from haochaping.ratings.enums import Channel, Level, Validity
from haochaping.ratings.models import Rating
from haochaping.results import dashboards
from haochaping.results.enums import Dimension, Grain, RankingKind
from haochaping.results.masking import mask_cert, mask_mobile, mask_name
from haochaping.results.periods import Period, period_containing, period_parse
from haochaping.results.ranking import ranking

DASHBOARD_ROLES = (
    Role.ADMIN,
    Role.LIAISON,
    Role.HANDLER,
    Role.REVIEWER,
    Role.SUPERVISOR,
    Role.LEADER,
)
PAGE_SIZE = 50


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (back on after, if it was on).

    A province page builds tens of thousands of small objects (a tally, a ranking row and its
    components per unit) that all live until the page is rendered: each burst of allocations
    made the collector walk the whole heap, up to half of the page's Python time. Reference
    counting still frees everything; cycles made meanwhile wait for the next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def dashboard_page(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require_role(request.user, *DASHBOARD_ROLES)
            # Dashboards only read: from the read replica when one is configured.
            with reading_replica(), collector_paused():
                return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return render(request, "results/error.html", {"error": exc}, status=exc.status)

    return wrapped


def period_from(request: HttpRequest, *, default_grain: str = Grain.MONTH) -> Period:
    grain = request.GET.get("grain") or default_grain
    key = request.GET.get("period")
    if not key:
        if grain not in Grain.values:
            raise InvalidInput(extra={"errors": {"grain": [_("Unknown period type.")]}})
        return period_containing(grain, today())
    return period_parse(grain, key)


def _context(request: HttpRequest, period: Period, **extra: Any) -> dict[str, Any]:
    return {
        "period": period,
        "grains": Grain.choices,
        "previous": period.previous(),
        "next": period.next(),
        **extra,
    }


@dashboard_page
def overview(request: HttpRequest) -> HttpResponse:
    """The user's whole scope: the city for city roles, a county, or the user's unit(s)."""
    period = period_from(request)
    units = unit_list_for(request.user)
    user = request.user
    if user.is_superuser or (user.scope_region and user.scope_region.level == "city"):
        heading = _("City overview")
    elif user.scope_region:
        heading = _("County overview: %(name)s") % {"name": user.scope_region.name}
    else:
        heading = _("Unit overview")
    data = dashboards.cached_block(
        "overview", units, period, lambda: dashboards.overview(units=units, period=period)
    )
    counties = []
    if user.is_superuser or user.scope_region:
        counties = list(
            Region.objects.filter(units__in=units)
            .distinct()
            .order_by("code")
            .values_list("code", "name")
        )
    return render(
        request,
        "results/overview.html",
        _context(request, period, heading=heading, data=data, counties=counties, drill={}),
    )


def _region_in_scope(user: Any, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    if user.is_superuser:
        return region
    if user.scope_region is not None and region.path.startswith(user.scope_region.path):
        return region
    raise NotFound()


@dashboard_page
def region_view(request: HttpRequest, code: str) -> HttpResponse:
    region = _region_in_scope(request.user, code)
    period = period_from(request)
    units = unit_list_for(request.user).filter(region__path__startswith=region.path)
    data = dashboards.cached_block(
        "overview", units, period, lambda: dashboards.overview(units=units, period=period)
    )
    return render(
        request,
        "results/overview.html",
        _context(
            request,
            period,
            heading=_("County overview: %(name)s") % {"name": region.name},
            data=data,
            counties=[],
            drill={"region": region.code},
        ),
    )


@dashboard_page
def unit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_unit(request.user, unit_id)
    period = period_from(request)
    units = unit_list_for(request.user).filter(pk=unit.pk)
    data = dashboards.cached_block(
        "overview", units, period, lambda: dashboards.overview(units=units, period=period)
    )
    items = dashboards.breakdown(units=units, period=period, by=Dimension.ITEM)
    staff = dashboards.breakdown(units=units, period=period, by=Dimension.STAFF)
    return render(
        request,
        "results/overview.html",
        _context(
            request,
            period,
            heading=_("Unit overview: %(name)s") % {"name": unit.name},
            data=data,
            counties=[],
            unit=unit,
            items=items,
            staff=staff,
            drill={"unit": unit.pk},
        ),
    )


@dashboard_page
def rankings(request: HttpRequest) -> HttpResponse:
    period = period_from(request)
    kind = request.GET.get("kind") or RankingKind.UNIT
    if kind not in RankingKind.values:
        raise InvalidInput(extra={"errors": {"kind": [_("Unknown ranking.")]}})
    units = unit_list_for(request.user)
    result = dashboards.cached_block(
        f"ranking-{kind}", units, period, lambda: ranking(kind=kind, period=period, units=units)
    )
    ranked_rows, insufficient_rows = _ranking_rows(result, get_language())
    return render(
        request,
        "results/rankings.html",
        _context(
            request,
            period,
            result=result,
            ranked_rows=ranked_rows,
            insufficient_rows=insufficient_rows,
            kinds=RankingKind.choices,
            kind=kind,
            kind_keep={"kind": kind},
        ),
    )


def _ranking_rows(result: Any, language: str) -> tuple[str, str]:
    """The ranking's table rows as HTML: a template loop over 80 rows of components cost more
    than computing the whole ranking. Names are escaped; every other cell is a number."""
    ranked = "\n".join(
        f'<tr data-key="{escape(row.key)}"><td>{row.rank}</td>'
        f'<th scope="row">{escape(row.name_in(language))}</th><td>{row.ratings}</td>'
        f"<td>{_score(row.score)}</td>"
        + "".join(f"<td>{c.ratio.percent}</td>" for c in row.components)
        + "</tr>"
        for row in result.ranked
    )
    little = escape(_("too little data"))
    insufficient = "\n".join(
        f'<tr data-key="{escape(row.key)}"><th scope="row">{escape(row.name_in(language))}</th>'
        f"<td>{row.ratings} · {little}</td></tr>"
        for row in result.insufficient
    )
    return mark_safe(ranked), mark_safe(insufficient)  # noqa: S308 - built from escaped parts


def _score(score: float | None) -> str:
    """Three decimals, half up (as the ``floatformat:3`` filter shows it)."""
    if score is None:
        return ""
    return str(Decimal(repr(score)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ)


@dashboard_page
def rating_list(request: HttpRequest) -> HttpResponse:
    """Valid ratings behind a figure, newest first, identities masked; 50 a page by keyset."""
    period = period_from(request)
    qs = Rating.objects.filter(
        unit__in=unit_list_for(request.user),
        validity=Validity.VALID,
        assessed_at__gte=_local_midnight(period.start),
        assessed_at__lt=_local_midnight(period.end),
    )
    filters: dict[str, str] = {}
    if request.GET.get("unit"):
        unit = access_unit(request.user, _int(request.GET["unit"]))
        qs = qs.filter(unit=unit)
        filters["unit"] = str(unit.pk)
    if request.GET.get("region"):
        region = _region_in_scope(request.user, request.GET["region"])
        qs = qs.filter(unit__region__path__startswith=region.path)
        filters["region"] = region.code
    level = request.GET.get("level", "")
    if level == "bad":
        qs = qs.filter(level__in=sorted(Level.bad_levels()))
        filters["level"] = level
    elif level:
        if level not in Level.values:
            raise InvalidInput(extra={"errors": {"level": [_("Unknown level.")]}})
        qs = qs.filter(level=level)
        filters["level"] = level
    channel = request.GET.get("channel", "")
    if channel:
        if channel not in Channel.values:
            raise InvalidInput(extra={"errors": {"channel": [_("Unknown channel.")]}})
        qs = qs.filter(channel=channel)
        filters["channel"] = channel
    before = request.GET.get("before")
    if before:
        qs = qs.filter(pk__lt=_int(before))
    page = list(qs.select_related("unit", "item").order_by("-pk")[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    rows = [
        {
            "receipt": r.receipt,
            "assessed_at": r.assessed_at,
            "unit": r.unit.name,
            "item": r.item.name if r.item else "",
            "level": r.get_level_display(),
            "is_bad": r.is_bad,
            "channel": r.get_channel_display(),
            "origin": r.origin.label,
            "follow_up": r.assess_number == 2,
            "evaluator": mask_name(r.evaluator_name) if not r.is_anonymous else _("anonymous"),
            "mobile": mask_mobile(r.evaluator_mobile),
            "cert": mask_cert(r.evaluator_cert_no),
            "codes": ", ".join(r.option_codes),
            "text": r.text,
        }
        for r in page
    ]
    return render(
        request,
        "results/ratings.html",
        _context(
            request, period, rows=rows, filters=filters, next_before=page[-1].pk if more else None
        ),
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
