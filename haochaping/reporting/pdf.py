"""PDF rendering (WeasyPrint) of a gathered report: bilingual headings, tables, SVG charts.

Fonts come from Debian packages found through fontconfig: ``fonts-noto-cjk`` (Noto Sans CJK SC)
for Chinese and ``fonts-tibetan-machine`` (Tibetan Machine Uni) for Tibetan. Nothing is fetched
from the network: the HTML has no external resource.
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from haochaping.ratings.enums import Level
from haochaping.reporting.builders import ratio_value
from haochaping.reporting.labels import (
    DEFINITIONS,
    FORMULA,
    SECTION_TITLES,
    TABLE_TITLES,
    TITLES,
    column_label,
    display_text,
)
from haochaping.results import metrics as m
from haochaping.results.charts import bar_chart, line_chart

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def format_cell(kind: str, value: Any, column: str = "") -> str:
    if kind == "ratio":
        return m.Ratio(value["n"], value["d"]).percent if value else "—"
    if kind == "score":
        return "—" if value is None else f"{value:.2f}"
    if kind == "int":
        return f"{value:,}"
    return display_text(column, value)


def _charts(data: dict[str, Any]) -> list[Any]:
    levels = data["charts"]["levels"]
    total = sum(levels.values())
    charts = [
        bar_chart(
            title=_("Ratings by level"),
            desc=_("Number of valid first ratings of each level, with its share."),
            labels=[str(Level(lv).label) for lv in m.LEVELS],
            values=[levels[lv] for lv in m.LEVELS],
            value_labels=[
                f"{levels[lv]:,} ({m.Ratio(levels[lv], total).percent})" for lv in m.LEVELS
            ],
            headers=(_("Level"), _("Ratings (share)")),
        )
    ]
    trend = next((t for t in data["tables"] if t["key"] == "trend"), None)
    if trend:
        keys = [c["key"] for c in trend["columns"]]
        ratings_i, bad_i = keys.index("ratings"), keys.index("bad")
        charts.append(
            line_chart(
                title=_("Rating volume"),
                desc=_("Valid first ratings and bad reviews per period, oldest first."),
                x_labels=[r[0] for r in trend["rows"]],
                series=[
                    (_("Ratings"), [r[ratings_i] for r in trend["rows"]]),
                    (_("Bad reviews"), [r[bad_i] for r in trend["rows"]]),
                ],
                headers_x=_("Period"),
            )
        )
    units = next((t for t in data["tables"] if t["key"] == "units"), None)
    if units and units["rows"]:
        keys = [c["key"] for c in units["columns"]]
        gi = keys.index("good_rate")
        rows = sorted(units["rows"], key=lambda r: -(ratio_value(r[gi]) or 0))[:15]
        charts.append(
            bar_chart(
                title=_("Good-rating rate by unit"),
                desc=_("Good-rating rate of each unit with ratings (at most 15 shown)."),
                labels=[r[0] for r in rows],
                values=[round(100 * (ratio_value(r[gi]) or 0), 1) for r in rows],
                value_labels=[m.Ratio(r[gi]["n"], r[gi]["d"]).percent for r in rows],
                headers=(_("Unit"), _("Good-rating rate")),
                color="#2e8540",
            )
        )
    return charts


# The PDF is the readable summary: wide tables keep their key columns (the XLSX has them all).
PDF_COLUMNS: dict[str, list[str]] = {
    "regions": [
        "region",
        "ratings",
        "good_rate",
        "satisfaction_rate",
        "bad",
        "bad_rate",
        "citizen_good_rate",
        "staff_entered_share",
        "completed",
        "rating_rate",
    ],
    "units": [
        "unit",
        "ratings",
        "good_rate",
        "satisfaction_rate",
        "bad",
        "bad_rate",
        "citizen_good_rate",
        "staff_entered_share",
        "completed",
        "rating_rate",
    ],
    "trend": [
        "period",
        "ratings",
        "good_rate",
        "satisfaction_rate",
        "bad",
        "bad_rate",
        "citizen_good_rate",
        "completed",
        "rating_rate",
    ],
    "bad_review_handling": [
        "unit",
        "received",
        "reply_rate",
        "rectification_rate",
        "callback_rate",
        "callback_satisfaction",
        "closed",
        "open",
        "overdue",
    ],
}


def _pdf_table(t: dict[str, Any]) -> dict[str, Any]:
    keys = [c["key"] for c in t["columns"]]
    keep = [keys.index(k) for k in PDF_COLUMNS.get(t["key"], keys)]
    columns = [t["columns"][i] for i in keep]
    return {
        "title": str(TABLE_TITLES.get(t["key"], t["key"])),
        "headers": [column_label(c["key"]) for c in columns],
        "rows": [
            [format_cell(c["type"], row[i], c["key"]) for c, i in zip(columns, keep, strict=True)]
            for row in t["rows"]
        ],
    }


def report_html(
    data: dict[str, Any],
    *,
    version: int = 1,
    problems_found: str = "",
    typical_cases: str = "",
    draft: bool = False,
    language: str = "zh-hans",
) -> str:
    with translation.override(language):
        tables = [_pdf_table(t) for t in data["tables"]]
        headline = [
            (column_label(f["key"]), format_cell(f["type"], f["value"])) for f in data["headline"]
        ]
        zh, bo = TITLES[data["kind"]]
        weights = ""
        if data.get("formula"):
            weights = ", ".join(
                f"{column_label(k)} {w:g}" for k, w in data["formula"]["weights"].items()
            )
        return render_to_string(
            "reporting/pdf.html",
            {
                "data": data,
                "title_zh": zh,
                "title_bo": bo,
                "version": version,
                "headline": headline,
                "tables": tables,
                "charts": _charts(data),
                "sections": [
                    (SECTION_TITLES["problems_found"], problems_found),
                    (SECTION_TITLES["typical_cases"], typical_cases),
                ],
                "definitions": str(DEFINITIONS),
                "formula": str(FORMULA) if weights else "",
                "weights": weights,
                "draft": draft,
                "as_of": data["as_of"][:16].replace("T", " "),
            },
        )


def render_pdf(data: dict[str, Any], **kwargs: Any) -> bytes:
    from weasyprint import HTML

    html = report_html(data, **kwargs)
    return HTML(string=html, base_url=None).write_pdf()
