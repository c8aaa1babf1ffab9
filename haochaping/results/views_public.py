"""The public disclosure site at /public/: no login, cache-friendly, in bo, zh-hans and en.

Pages never touch the session or the user, so responses are the same for everyone: the
language comes from ``?lang=`` (default zh-hans), every response carries ``Cache-Control:
public, max-age=…`` and a strong ``ETag`` over its body, and a matching ``If-None-Match`` gets a
304. Published figures are the units' aggregates (from the same metrics as the dashboards) and
the bureau's anonymised typical cases; no rating or citizen is ever shown.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from haochaping.core.clock import today
from haochaping.core.db import reading_replica
from haochaping.core.exceptions import ApplicationError
from haochaping.org.models import Unit
from haochaping.results import dashboards
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension, Grain, RankingKind
from haochaping.results.models import TypicalCase
from haochaping.results.periods import Period, last_periods, period_containing, period_parse
from haochaping.results.ranking import ranking

PUBLIC_LANGUAGES = ("zh-hans", "bo", "en")
PUBLIC_GRAINS = (Grain.MONTH, Grain.QUARTER, Grain.YEAR)
MAX_AGE = 600


class _Response:
    def __init__(
        self, body: str | bytes, content_type: str, status: int = 200, filename: str = ""
    ) -> None:
        self.body, self.content_type, self.status, self.filename = (
            body,
            content_type,
            status,
            filename,
        )


def public_page(view: Callable[..., _Response]):
    """Language from ?lang=, errors as pages, Cache-Control + ETag + 304."""

    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = request.GET.get("lang") or "zh-hans"
        if language not in PUBLIC_LANGUAGES:
            language = "zh-hans"
        with translation.override(language), reading_replica():
            try:
                out = view(request, language, *args, **kwargs)
            except ApplicationError as exc:
                out = _Response(
                    _render("results/public/error.html", request, language, {"error": exc}),
                    "text/html; charset=utf-8",
                    exc.status,
                )
            except Http404:
                out = _Response(
                    _render(
                        "results/public/error.html",
                        request,
                        language,
                        {"error": {"message": _("Not found.")}},
                    ),
                    "text/html; charset=utf-8",
                    404,
                )
        body = out.body.encode() if isinstance(out.body, str) else out.body
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if out.status == 200 and etag in _etags(request.headers.get("If-None-Match", "")):
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type=out.content_type, status=out.status)
            if out.filename:
                response["Content-Disposition"] = f'attachment; filename="{out.filename}"'
        if out.status == 200:
            response["ETag"] = etag
            response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        else:
            response["Cache-Control"] = "public, max-age=60"
        response["Content-Language"] = language
        return response

    return wrapped


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _render(template: str, request: HttpRequest, language: str, context: dict[str, Any]) -> str:
    # No request context processors: nothing here may read the session or the user.
    base = {
        "LANGUAGE_CODE": language,
        "languages": PUBLIC_LANGUAGES,
        "path": request.path,
        "query": {k: v for k, v in request.GET.items() if k != "lang"},
    }
    return render_to_string(template, {**base, **context})


def _html(request: HttpRequest, language: str, template: str, context: dict[str, Any]) -> _Response:
    return _Response(_render(template, request, language, context), "text/html; charset=utf-8")


def _period(request: HttpRequest) -> Period:
    grain = request.GET.get("grain") or Grain.MONTH
    if grain not in PUBLIC_GRAINS:
        grain = "-"  # refused by period_parse with a clear message
    key = request.GET.get("period")
    if not key and grain in PUBLIC_GRAINS:
        # the last complete period: the current one is still being rated
        return period_containing(grain, today()).previous()
    period = period_parse(grain, key or "")
    if period.start > today():
        period = period_containing(grain, today()).previous()
    return period


def _unit_name(unit: Unit | dict, language: str) -> str:
    name, name_bo = (
        (unit["name"], unit["name_bo"]) if isinstance(unit, dict) else (unit.name, unit.name_bo)
    )
    return name_bo if language == "bo" and name_bo else name


# --- pages --------------------------------------------------------------------------------------


@public_page
def home(request: HttpRequest, language: str) -> _Response:
    period = _period(request)
    units = ranking(kind=RankingKind.UNIT, period=period)
    counties = ranking(kind=RankingKind.REGION, period=period)
    typical = list(TypicalCase.objects.filter(published=True).select_related("unit")[:5])
    return _html(
        request,
        language,
        "results/public/home.html",
        {
            "period": period,
            "units": units,
            "counties": counties,
            "typical": [(t, *t.localized(language)) for t in typical],
            "grains": [(g.value, g.label) for g in PUBLIC_GRAINS],
        },
    )


@public_page
def rankings(request: HttpRequest, language: str) -> _Response:
    period = _period(request)
    kind = request.GET.get("kind") or RankingKind.UNIT
    if kind not in (RankingKind.UNIT, RankingKind.REGION):
        raise Http404
    result = ranking(kind=kind, period=period)
    return _html(
        request,
        language,
        "results/public/rankings.html",
        {
            "period": period,
            "result": result,
            "kind": kind,
            "grains": [(g.value, g.label) for g in PUBLIC_GRAINS],
        },
    )


def _resolution_rows(period: Period, language: str) -> list[dict[str, Any]]:
    rects = m.rect_tallies(period=period, by=Dimension.UNIT)
    units = Unit.objects.filter(pk__in=list(rects)).values("pk", "name", "name_bo", "credit_code")
    rows = []
    for u in units:
        r = rects[u["pk"]]
        rows.append(
            {
                "unit_id": u["pk"],
                "credit_code": u["credit_code"],
                "name": _unit_name(u, language),
                "received": r.received,
                "rectified": r.closed,
                "rectification_rate": m.rectification_rate(r),
                "contact_on_time": m.on_time_rate(r, "contact"),
                "reply_rate": m.reply_rate(r),
                "callback_satisfaction": m.callback_satisfaction(r),
            }
        )
    rows.sort(key=lambda r: (-r["received"], r["name"]))
    return rows


@public_page
def resolution(request: HttpRequest, language: str) -> _Response:
    period = _period(request)
    rows = _resolution_rows(period, language)
    total = m.rect_tallies(period=period).get(None, m.RectTally())
    comments = m.comment_tallies(period=period).get(None, m.CommentTally())
    return _html(
        request,
        language,
        "results/public/resolution.html",
        {
            "period": period,
            "rows": rows,
            "total": dashboards.headline(m.RatingTally(), None, total, comments),
            "grains": [(g.value, g.label) for g in PUBLIC_GRAINS],
        },
    )


@public_page
def typical_list(request: HttpRequest, language: str) -> _Response:
    cases = TypicalCase.objects.filter(published=True).select_related("unit")
    return _html(
        request,
        language,
        "results/public/typical_list.html",
        {
            "cases": [(t, *t.localized(language)) for t in cases[:200]],
        },
    )


@public_page
def typical_detail(request: HttpRequest, language: str, pk: int) -> _Response:
    case = get_object_or_404(TypicalCase.objects.select_related("unit"), pk=pk, published=True)
    title, body = case.localized(language)
    return _html(
        request,
        language,
        "results/public/typical_detail.html",
        {
            "case": case,
            "title": title,
            "body": body,
            "unit_name": _unit_name(case.unit, language),
        },
    )


@public_page
def unit_page(request: HttpRequest, language: str, pk: int) -> _Response:
    unit = get_object_or_404(Unit, pk=pk, active=True)
    period = _period(request)
    scope = [unit.pk]
    tally = m.rating_tallies(period=period, units=scope).get(None, m.RatingTally())
    rect = m.rect_tallies(period=period, units=scope).get(None, m.RectTally())
    comments = m.comment_tallies(period=period, units=scope).get(None, m.CommentTally())
    trend = dashboards.trend_chart(scope, period)
    typical = TypicalCase.objects.filter(published=True, unit=unit)[:10]
    return _html(
        request,
        language,
        "results/public/unit.html",
        {
            "unit": unit,
            "unit_name": _unit_name(unit, language),
            "period": period,
            "f": dashboards.headline(tally, None, rect, comments),
            "trend": trend,
            "levels": dashboards.level_chart(tally),
            "typical": [(t, *t.localized(language)) for t in typical],
            "grains": [(g.value, g.label) for g in PUBLIC_GRAINS],
        },
    )


# --- open data ----------------------------------------------------------------------------------

UNIT_FIELDS = [
    "period",
    "unit_credit_code",
    "unit_name",
    "ratings",
    "very_satisfied",
    "satisfied",
    "basic",
    "dissatisfied",
    "very_dissatisfied",
    "good_rate",
    "satisfaction_rate",
    "bad_rate",
    "citizen_ratings",
    "citizen_good_rate",
    "bad_reviews_received",
    "bad_reviews_rectified",
    "rectification_rate",
    "contact_on_time_rate",
    "comments_received",
    "comments_negative",
    "comments_routed",
    "comments_rectified",
]


def unit_aggregates(period: Period) -> list[dict[str, Any]]:
    """One row per active unit: counts and rates of ``period`` (the open-data table)."""
    tallies = m.rating_tallies(period=period, by=Dimension.UNIT)
    rects = m.rect_tallies(period=period, by=Dimension.UNIT)
    comments = m.comment_tallies(period=period, by=Dimension.UNIT)
    rows = []
    for u in (
        Unit.objects.filter(active=True).order_by("credit_code").values("pk", "name", "credit_code")
    ):
        t = tallies.get(u["pk"], m.RatingTally())
        r = rects.get(u["pk"], m.RectTally())
        cm = comments.get(u["pk"], m.CommentTally())
        rows.append(
            {
                "period": period.key,
                "unit_credit_code": u["credit_code"],
                "unit_name": u["name"],
                "ratings": m.rating_count(t),
                **{lv: t.levels[lv] for lv in m.LEVELS},
                "good_rate": m.good_rate(t).value,
                "satisfaction_rate": m.satisfaction_rate(t).value,
                "bad_rate": m.bad_rate(t).value,
                "citizen_ratings": m.citizen_rating_count(t),
                "citizen_good_rate": m.citizen_good_rate(t).value,
                "bad_reviews_received": r.received,
                "bad_reviews_rectified": r.closed,
                "rectification_rate": m.rectification_rate(r).value,
                "contact_on_time_rate": m.on_time_rate(r, "contact").value,
                "comments_received": cm.received,
                "comments_negative": cm.negative,
                "comments_routed": cm.routed,
                "comments_rectified": cm.rectified,
            }
        )
    return rows


def _rounded(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def _data_response(
    rows: list[dict[str, Any]], fields: list[str], fmt: str, name: str, meta: dict[str, Any]
) -> _Response:
    if fmt not in ("csv", "json"):
        raise Http404
    if fmt == "json":
        body = json.dumps(
            {**meta, "rows": [{k: _rounded(r[k]) for k in fields} for r in rows]},
            ensure_ascii=False,
            indent=1,
        )
        return _Response(body, "application/json; charset=utf-8", filename=f"{name}.json")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if r[k] is None else _rounded(r[k]) for k in fields})
    return _Response("\ufeff" + out.getvalue(), "text/csv; charset=utf-8", filename=f"{name}.csv")


@public_page
def data_index(request: HttpRequest, language: str) -> _Response:
    period = _period(request)
    months = last_periods(Grain.MONTH, period_containing(Grain.MONTH, today()).previous(), 12)
    return _html(
        request,
        language,
        "results/public/data.html",
        {
            "period": period,
            "months": months[::-1],
            "fields": UNIT_FIELDS,
        },
    )


@public_page
def data_units(request: HttpRequest, language: str, fmt: str) -> _Response:
    period = _period(request)
    meta = {"period": period.key, "grain": period.grain, "definitions": "docs/metrics.md"}
    return _data_response(
        unit_aggregates(period), UNIT_FIELDS, fmt, f"units-{period.grain}-{period.key}", meta
    )


RANKING_FIELDS = ["rank", "name", "ratings", "score", "good_rate", "not_bad_rate"]


@public_page
def data_ranking(request: HttpRequest, language: str, fmt: str) -> _Response:
    period = _period(request)
    kind = request.GET.get("kind") or RankingKind.UNIT
    if kind not in (RankingKind.UNIT, RankingKind.REGION):
        raise Http404
    result = ranking(kind=kind, period=period)
    rows = []
    for row in [*result.ranked, *result.insufficient]:
        comps = {c.name: c.ratio.value for c in row.components}
        rows.append(
            {
                "rank": row.rank,
                "name": row.label,
                "ratings": row.ratings,
                "score": row.score if row.rank else None,
                "good_rate": comps.get("good_rate"),
                "not_bad_rate": comps.get("not_bad_rate"),
            }
        )
    meta = {
        "period": period.key,
        "grain": period.grain,
        "kind": kind,
        "min_ratings": result.config["MIN_RATINGS"],
        "z": result.config["Z"],
        "weights": result.config["WEIGHTS"],
    }
    return _data_response(rows, RANKING_FIELDS, fmt, f"ranking-{kind}-{period.key}", meta)
