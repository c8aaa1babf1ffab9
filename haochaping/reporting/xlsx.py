"""XLSX rendering of a gathered report: a sheet per table, real number formats, frozen headers."""

from __future__ import annotations

import io
import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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

FORMATS = {"int": "#,##0", "ratio": "0.0%", "score": "0.00"}
NO_VALUE = "—"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str) -> str:
    return _BAD_SHEET_CHARS.sub(" ", text)[:31]


def cell_value(kind: str, value: Any) -> Any:
    if kind == "ratio":
        v = ratio_value(value)
        return NO_VALUE if v is None else v
    if kind == "score":
        return NO_VALUE if value is None else value
    return value


def _write_table(wb: Workbook, table: dict[str, Any]) -> None:
    ws = wb.create_sheet(sheet_title(str(TABLE_TITLES.get(table["key"], table["key"]))))
    columns = table["columns"]
    ws.cell(row=1, column=1, value=str(TABLE_TITLES.get(table["key"], table["key"]))).font = Font(
        bold=True, size=13
    )
    for j, col in enumerate(columns, start=1):
        c = ws.cell(row=2, column=j, value=column_label(col["key"]))
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = 28 if col["type"] == "text" else 12
    for i, row in enumerate(table["rows"], start=3):
        for j, (col, value) in enumerate(zip(columns, row, strict=True), start=1):
            if col["type"] == "text":
                ws.cell(row=i, column=j, value=display_text(col["key"], value))
                continue
            c = ws.cell(row=i, column=j, value=cell_value(col["type"], value))
            if not isinstance(c.value, str):
                c.number_format = FORMATS[col["type"]]
            else:
                c.alignment = Alignment(horizontal="right")
    # header rows and the name column stay in view
    ws.freeze_panes = "B3"


def render_xlsx(
    data: dict[str, Any],
    *,
    version: int = 1,
    problems_found: str = "",
    typical_cases: str = "",
    language: str = "zh-hans",
) -> bytes:
    with translation.override(language):
        wb = Workbook()
        ws = wb.active
        ws.title = sheet_title(str(TABLE_TITLES["summary"]))
        zh, bo = TITLES[data["kind"]]
        ws["A1"], ws["A2"] = zh, bo
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"].font = Font(bold=True, size=12)
        ws["A3"] = _("Period")
        ws["B3"] = data["period"]
        ws["A4"] = _("Version")
        ws["B4"] = version
        ws["A5"] = _("Figures as of")
        ws["B5"] = data["as_of"][:16].replace("T", " ")
        ws.column_dimensions["A"].width = 36
        ws.column_dimensions["B"].width = 60
        row = 7
        for c in ("A", "B"):
            ws[f"{c}{row}"].font = Font(bold=True)
        ws[f"A{row}"], ws[f"B{row}"] = _("Figure"), _("Value")
        header_row = row
        for fig in data["headline"]:
            row += 1
            ws.cell(row=row, column=1, value=column_label(fig["key"]))
            c = ws.cell(row=row, column=2, value=cell_value(fig["type"], fig["value"]))
            if not isinstance(c.value, str):
                c.number_format = FORMATS[fig["type"]]
            c.alignment = Alignment(horizontal="left")
        for key, text in (("problems_found", problems_found), ("typical_cases", typical_cases)):
            row += 2
            ws.cell(row=row, column=1, value=" / ".join(SECTION_TITLES[key])).font = Font(bold=True)
            ws.cell(row=row, column=2, value=text).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
        row += 2
        ws.cell(row=row, column=1, value=str(DEFINITIONS)).alignment = Alignment(wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = 120
        if data.get("formula"):
            row += 1
            weights = ", ".join(
                f"{column_label(k)} {w:g}" for k, w in data["formula"]["weights"].items()
            )
            ws.cell(row=row, column=1, value=f"{FORMULA} ({weights})").alignment = Alignment(
                wrap_text=True
            )
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.row_dimensions[row].height = 80
        ws.freeze_panes = f"A{header_row + 1}"
        for table in data["tables"]:
            _write_table(wb, table)
        buf = io.BytesIO()
        wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def _deterministic_zip(raw: bytes) -> bytes:
    """openpyxl stamps the ZIP entries and docProps with the current time; fix them so the same
    report renders to the same bytes (and the same SHA-256)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"<dcterms:(created|modified)([^>]*)>[^<]*<",
                    rb"<dcterms:\1\2>2000-01-01T00:00:00Z<",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()
