"""Gather each report kind into a plain, JSON-ready structure — every figure from results.metrics.

The structure (stored as ``Report.data`` so a reviewed version is what gets published)::

    {"kind", "period", "start", "end" (exclusive), "as_of",
     "headline": [{"key", "type", "value"}],
     "tables": [{"key", "columns": [{"key", "type"}], "rows": [[cell, ...]]}],
     "charts": {"levels": {...}, "trend": {...}} (plain numbers; rendered to SVG by pdf.py),
     "formula": {...} (annual only)}

Cell types: ``text``, ``int``, ``ratio`` (``{"n": numerator, "d": denominator}``; no value when
``d`` is 0), ``score`` (a float 0–100 or None). Labels are not stored: renderers translate the
column keys (``labels.py``), so the figures are language-neutral.

Cost: a fixed number of GROUP BY queries over the summary tables (``results_unitmonthcount``
for a month-aligned period), the rectification table for the period's bad reviews, and the
case-count table — none per rating, so the whole city at Lhasa's volume takes well under a second
(bench/reports.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haochaping.core.clock import now
from haochaping.core.db import reading_replica
from haochaping.org.models import Region, Unit
from haochaping.ratings.enums import Level, Origin
from haochaping.reporting.enums import ReportKind
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension, Grain
from haochaping.results.periods import Period, period_parse
from haochaping.results.ranking import RATING_COMPONENTS, RECT_COMPONENTS, ranking_config

# --- cells ---------------------------------------------------------------------------------------


def ratio(r: m.Ratio) -> dict[str, int]:
    return {"n": r.num, "d": r.den}


def ratio_value(cell: dict[str, int] | None) -> float | None:
    if not cell or not cell["d"]:
        return None
    return cell["n"] / cell["d"]


RATING_COLUMNS = [
    ("ratings", "int"),
    *[(f"level_{lv}", "int") for lv in m.LEVELS],
    ("good_rate", "ratio"),
    ("satisfaction_rate", "ratio"),
    ("bad", "int"),
    ("bad_rate", "ratio"),
    ("citizen_ratings", "int"),
    ("citizen_good_rate", "ratio"),
    ("staff_entered_share", "ratio"),
    ("follow_ups", "int"),
]

CASE_COLUMNS = [
    ("completed", "int"),
    ("rating_rate", "ratio"),
    ("unrated_rate", "ratio"),
    ("citizen_rating_rate", "ratio"),
    ("online_unrated", "int"),
]

RECT_COLUMNS = [
    ("received", "int"),
    ("reply_rate", "ratio"),
    ("rectification_rate", "ratio"),
    ("callback_rate", "ratio"),
    ("callback_satisfaction", "ratio"),
    ("contact_on_time", "ratio"),
    ("feedback_on_time", "ratio"),
    ("close_on_time", "ratio"),
    ("closed", "int"),
    ("open", "int"),
    ("overdue", "int"),
]


def rating_cells(t: m.RatingTally) -> list[Any]:
    return [
        m.rating_count(t),
        *[m.level_count(t, lv) for lv in m.LEVELS],
        ratio(m.good_rate(t)),
        ratio(m.satisfaction_rate(t)),
        m.bad_rate(t).num,
        ratio(m.bad_rate(t)),
        m.citizen_rating_count(t),
        ratio(m.citizen_good_rate(t)),
        ratio(m.origin_share(t, Origin.STAFF_ENTERED)),
        m.follow_up_count(t),
    ]


def case_cells(c: m.CaseTally) -> list[Any]:
    return [
        c.completed,
        ratio(m.rating_rate(c)),
        ratio(m.unrated_rate(c)),
        ratio(m.citizen_rating_rate(c)),
        m.online_unrated_count(c),
    ]


def rect_cells(r: m.RectTally) -> list[Any]:
    return [
        r.received,
        ratio(m.reply_rate(r)),
        ratio(m.rectification_rate(r)),
        ratio(m.callback_rate(r)),
        ratio(m.callback_satisfaction(r)),
        ratio(m.on_time_rate(r, "contact")),
        ratio(m.on_time_rate(r, "feedback")),
        ratio(m.on_time_rate(r, "close")),
        r.closed,
        r.open,
        r.overdue,
    ]


def _columns(first: list[tuple[str, str]], *groups: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"key": k, "type": t} for group in (first, *groups) for k, t in group]


# --- shared sections -----------------------------------------------------------------------------


def _names(units: set[Any], regions: set[Any]) -> tuple[dict[Any, str], dict[Any, str]]:
    unit_names = dict(Unit.objects.filter(pk__in=[u for u in units if u]).values_list("pk", "name"))
    region_names = dict(
        Region.objects.filter(pk__in=[r for r in regions if r]).values_list("pk", "name")
    )
    return unit_names, region_names


def _sorted_keys(keys: set[Any], names: dict[Any, str]) -> list[Any]:
    return sorted(keys, key=lambda k: (names.get(k, ""), str(k)))


def _common(period: Period, as_of: dt.datetime) -> dict[str, Any]:
    """The tables every kind has: headline, by county/district, by unit, bad-review handling."""
    total = m.rating_tallies(period=period).get(None, m.RatingTally())
    cases = m.case_tallies(period=period).get(None, m.CaseTally())
    rects = m.rect_tallies(period=period, at=as_of).get(None, m.RectTally())
    by_region = m.rating_tallies(period=period, by=Dimension.REGION)
    cases_region = m.case_tallies(period=period, by=Dimension.REGION)
    by_unit = m.rating_tallies(period=period, by=Dimension.UNIT)
    cases_unit = m.case_tallies(period=period, by=Dimension.UNIT)
    rects_unit = m.rect_tallies(period=period, by=Dimension.UNIT, at=as_of)
    unit_keys = set(by_unit) | set(cases_unit) | set(rects_unit)
    region_keys = set(by_region) | set(cases_region)
    unit_names, region_names = _names(unit_keys, region_keys)

    headline = [
        {"key": "ratings", "type": "int", "value": m.rating_count(total)},
        {"key": "good_rate", "type": "ratio", "value": ratio(m.good_rate(total))},
        {"key": "satisfaction_rate", "type": "ratio", "value": ratio(m.satisfaction_rate(total))},
        {"key": "bad", "type": "int", "value": m.bad_rate(total).num},
        {"key": "bad_rate", "type": "ratio", "value": ratio(m.bad_rate(total))},
        {"key": "citizen_good_rate", "type": "ratio", "value": ratio(m.citizen_good_rate(total))},
        {
            "key": "staff_entered_share",
            "type": "ratio",
            "value": ratio(m.origin_share(total, Origin.STAFF_ENTERED)),
        },
        {"key": "completed", "type": "int", "value": cases.completed},
        {"key": "rating_rate", "type": "ratio", "value": ratio(m.rating_rate(cases))},
        {"key": "unrated_rate", "type": "ratio", "value": ratio(m.unrated_rate(cases))},
        {"key": "received", "type": "int", "value": rects.received},
        {"key": "reply_rate", "type": "ratio", "value": ratio(m.reply_rate(rects))},
        {"key": "rectification_rate", "type": "ratio", "value": ratio(m.rectification_rate(rects))},
        {
            "key": "callback_satisfaction",
            "type": "ratio",
            "value": ratio(m.callback_satisfaction(rects)),
        },
    ]
    empty_t, empty_c = m.RatingTally(), m.CaseTally()
    regions = {
        "key": "regions",
        "columns": _columns([("region", "text")], RATING_COLUMNS, CASE_COLUMNS),
        "rows": [
            [
                region_names.get(k, ""),
                *rating_cells(by_region.get(k, empty_t)),
                *case_cells(cases_region.get(k, empty_c)),
            ]
            for k in _sorted_keys(region_keys, region_names)
        ],
    }
    units = {
        "key": "units",
        "columns": _columns([("unit", "text")], RATING_COLUMNS, CASE_COLUMNS),
        "rows": [
            [
                unit_names.get(k, ""),
                *rating_cells(by_unit.get(k, empty_t)),
                *case_cells(cases_unit.get(k, empty_c)),
            ]
            for k in _sorted_keys(set(by_unit) | set(cases_unit), unit_names)
        ],
        "ids": [k for k in _sorted_keys(set(by_unit) | set(cases_unit), unit_names)],
    }
    handling = {
        "key": "bad_review_handling",
        "columns": _columns([("unit", "text")], RECT_COLUMNS),
        "rows": [
            [unit_names.get(k, ""), *rect_cells(rects_unit[k])]
            for k in _sorted_keys(set(rects_unit), unit_names)
        ],
        "ids": _sorted_keys(set(rects_unit), unit_names),
        "total": rect_cells(rects),
    }
    reasons = m.top_reasons(period=period)
    from haochaping.results.dashboards import reason_labels

    labels = reason_labels([code for code, _lv, _n in reasons]) if reasons else {}
    reason_table = {
        "key": "top_reasons",
        "columns": _columns(
            [("code", "text"), ("reason", "text"), ("level", "text"), ("times_chosen", "int")]
        ),
        "rows": [[code, labels.get(code, ""), lv, n] for code, lv, n in reasons],
    }
    return {
        "headline": headline,
        "tables": [regions, units, handling, reason_table],
        "charts": {"levels": {lv: m.level_count(total, lv) for lv in m.LEVELS}},
        "_by_unit": by_unit,
        "_rects_unit": rects_unit,
        "_unit_names": unit_names,
    }


def _trend(period: Period, grain: Grain) -> dict[str, Any]:
    tallies = m.rating_tallies(period=period, grain=grain)
    cases = m.case_tallies(period=period, grain=grain)
    starts = []
    day = period.start
    from haochaping.results.periods import period_containing

    while day < period.end:
        p = period_containing(grain, day)
        starts.append(p)
        day = p.end
    rows = []
    for p in starts:
        t = tallies.get((p.start, None), m.RatingTally())
        c = cases.get((p.start, None), m.CaseTally())
        rows.append([p.key, *rating_cells(t), *case_cells(c)])
    return {
        "key": "trend",
        "columns": _columns([("period", "text")], RATING_COLUMNS, CASE_COLUMNS),
        "rows": rows,
    }


def _bad_review_list(period: Period) -> dict[str, Any]:
    """Internal only: each bad review opened in the period (names and mobiles masked)."""
    from haochaping.rectification.enums import Status
    from haochaping.rectification.models import Rectification
    from haochaping.results.masking import mask_mobile, mask_name

    # Plain values, not model instances: a province's month has ~90,000 bad reviews, and six
    # model objects per row (rectification, unit, case, item, rating, its item) were two thirds
    # of the report's time (36.5 s at 50M ratings a year, docs/scaling.md).
    rows = (
        Rectification.objects.filter(
            opened_at__gte=m._local_midnight(period.start),
            opened_at__lt=m._local_midnight(period.end),
        )
        .exclude(status=Status.WITHDRAWN)
        .order_by("opened_at", "pk")
        .values_list(
            "unit__name",
            "case__project_no",
            "rating__item__name",
            "rating__level",
            "rating__option_codes",
            "rating__evaluator_name",
            "rating__evaluator_mobile",
            "opened_at",
            "status",
            "contacted_at",
            "closed_at",
        )
    )

    def local(moment: dt.datetime | None) -> str:
        return moment.astimezone(m.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""

    out = [
        [
            unit,
            case_no or "",
            item or "",
            str(level),
            ",".join(codes or []),
            mask_name(name),
            mask_mobile(mobile),
            local(opened_at),
            str(status),
            local(contacted_at),
            local(closed_at),
        ]
        for (
            unit,
            case_no,
            item,
            level,
            codes,
            name,
            mobile,
            opened_at,
            status,
            contacted_at,
            closed_at,
        ) in rows
    ]
    return {
        "key": "bad_reviews",
        "columns": _columns(
            [
                ("unit", "text"),
                ("case_no", "text"),
                ("item", "text"),
                ("level", "text"),
                ("reasons", "text"),
                ("evaluator", "text"),
                ("mobile", "text"),
                ("opened_at", "text"),
                ("status", "text"),
                ("contacted_at", "text"),
                ("closed_at", "text"),
            ]
        ),
        "rows": out,
    }


def assessment_score(
    t: m.RatingTally, r: m.RectTally, weights: dict[str, float]
) -> tuple[float | None, dict[str, m.Ratio]]:
    """Annual assessment score 0–100 = 100 × Σ w_c · rate_c / Σ w_c over components with data.

    The components and weights are the ranking's (settings.HAOCHAPING_RESULTS["RANKING"]
    ["WEIGHTS"]), but the assessment uses each plain rate (not its confidence bound), so a unit
    can recompute its score by hand from the table. A component whose denominator is 0 (no bad
    review → no reply rate) is left out and the other weights renormalised.
    """
    parts: dict[str, m.Ratio] = {}
    for name in weights:
        if name in RATING_COMPONENTS:
            parts[name] = RATING_COMPONENTS[name](t)
        else:
            parts[name] = RECT_COMPONENTS[name](r)
    num = sum(weights[k] * v.value for k, v in parts.items() if v.value is not None and weights[k])
    den = sum(weights[k] for k, v in parts.items() if v.value is not None and weights[k])
    return (round(100 * num / den, 2) if den else None), parts


# --- one function per kind ------------------------------------------------------------------------


def _base(kind: ReportKind, period: Period, as_of: dt.datetime) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "period": period.key,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_of": as_of.isoformat(),
    }


def _finish(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith("_")}


def gather_monthly(period: Period, *, internal: bool, as_of: dt.datetime | None = None) -> dict:
    """Monthly bulletin (public: aggregates only) or bad-review report (internal: + each review)."""
    as_of = as_of or now()
    kind = ReportKind.MONTHLY_BAD_REVIEWS if internal else ReportKind.MONTHLY_BULLETIN
    common = _common(period, as_of)
    data = {**_base(kind, period, as_of), **common}
    if internal:
        data["tables"] = [*common["tables"], _bad_review_list(period)]
    return _finish(data)


def gather_quarterly(period: Period, *, as_of: dt.datetime | None = None) -> dict:
    as_of = as_of or now()
    common = _common(period, as_of)
    data = {**_base(ReportKind.QUARTERLY, period, as_of), **common}
    data["tables"] = [*common["tables"], _trend(period, Grain.MONTH)]
    return _finish(data)


def gather_annual(period: Period, *, as_of: dt.datetime | None = None) -> dict:
    as_of = as_of or now()
    common = _common(period, as_of)
    weights = dict(ranking_config()["WEIGHTS"])
    names = common["_unit_names"]
    by_unit, rects_unit = common["_by_unit"], common["_rects_unit"]
    keys = _sorted_keys(set(by_unit) | set(rects_unit), names)
    rows = []
    for k in keys:
        score, parts = assessment_score(
            by_unit.get(k, m.RatingTally()), rects_unit.get(k, m.RectTally()), weights
        )
        rows.append(
            [
                names.get(k, ""),
                m.rating_count(by_unit.get(k, m.RatingTally())),
                *[ratio(parts[c]) for c in weights],
                score,
            ]
        )
    rows.sort(key=lambda r: (r[-1] is None, -(r[-1] or 0), r[0]))
    assessment = {
        "key": "assessment",
        "columns": _columns(
            [("unit", "text"), ("ratings", "int")],
            [(c, "ratio") for c in weights],
            [("score", "score")],
        ),
        "rows": rows,
    }
    data = {**_base(ReportKind.ANNUAL, period, as_of), **common}
    data["tables"] = [assessment, *common["tables"], _trend(period, Grain.MONTH)]
    data["formula"] = {"weights": weights}
    return _finish(data)


def gather(kind: str, period_key: str, *, as_of: dt.datetime | None = None) -> dict:
    """The report's figures; read from the read replica when one is configured and the caller
    is not inside a transaction (haochaping.core.db, docs/backup.md)."""
    kind = ReportKind(kind)
    period = period_parse(kind.grain, period_key)
    with reading_replica():
        if kind == ReportKind.MONTHLY_BULLETIN:
            return gather_monthly(period, internal=False, as_of=as_of)
        if kind == ReportKind.MONTHLY_BAD_REVIEWS:
            return gather_monthly(period, internal=True, as_of=as_of)
        if kind == ReportKind.QUARTERLY:
            return gather_quarterly(period, as_of=as_of)
        return gather_annual(period, as_of=as_of)


LEVEL_KEYS = [Level(lv) for lv in m.LEVELS]
