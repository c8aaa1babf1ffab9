"""XLSX opened with openpyxl; PDF rendered to PNG (pdftoppm) and read back (pdftotext)."""

from __future__ import annotations

import io
import subprocess

import pytest
from openpyxl import load_workbook

from haochaping.reporting import builders
from haochaping.reporting.labels import TITLES
from haochaping.reporting.pdf import render_pdf
from haochaping.reporting.xlsx import render_xlsx
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension
from haochaping.results.periods import period_parse

pytestmark = pytest.mark.django_db


def test_xlsx_sheets_number_formats_and_frozen_headers(dataset):
    # given
    data = builders.gather("monthly_bulletin", "2026-10")
    # when
    content = render_xlsx(data, version=2, problems_found="窗口排队时间长", typical_cases="")
    wb = load_workbook(io.BytesIO(content))
    # then: a sheet per table, in Chinese
    assert wb.sheetnames == ["概况", "按县区", "按单位", "差评及整改情况", "差评原因"]
    summary = wb["概况"]
    assert summary["A1"].value == TITLES["monthly_bulletin"][0]
    assert summary["A2"].value == TITLES["monthly_bulletin"][1]
    assert summary["B3"].value == "2026-10"
    assert summary["B4"].value == 2
    assert summary.freeze_panes == "A8"
    units = wb["按单位"]
    assert units.freeze_panes == "B3"
    headers = [c.value for c in units[2]]
    assert headers[:3] == ["单位", "评价数", "非常满意"]
    # every figure is the metric's, as a real number with a number format
    police = dataset.tree.police
    tally = m.rating_tallies(period=period_parse("month", "2026-10"), by=Dimension.UNIT)[police.pk]
    row = next(r for r in units.iter_rows(min_row=3) if r[0].value == police.name)
    by_header = dict(zip(headers, row, strict=True))
    assert by_header["评价数"].value == m.rating_count(tally) == 5
    assert by_header["评价数"].number_format == "#,##0"
    assert by_header["好评率"].value == m.good_rate(tally).value == 0.4
    assert by_header["好评率"].number_format == "0.0%"
    assert by_header["差评率"].value == m.bad_rate(tally).value
    # a rate without a denominator is a dash, not 0
    handling = wb["差评及整改情况"]
    h = [c.value for c in handling[2]]
    first = dict(zip(h, [c.value for c in handling[3]], strict=True))
    assert first["回访整改满意率"] == "—"
    # the same report renders to the same bytes (the SHA-256 is reproducible)
    assert render_xlsx(data, version=2, problems_found="窗口排队时间长") == content


def test_annual_xlsx_states_the_formula_and_formats_scores(dataset):
    # given / when
    wb = load_workbook(io.BytesIO(render_xlsx(builders.gather("annual", "2026"))))
    # then
    sheet = wb["年度考核"]
    assert [c.value for c in sheet[2]][-1] == "考核得分"
    assert sheet.cell(row=3, column=sheet.max_column).value == 52.94
    assert sheet.cell(row=3, column=sheet.max_column).number_format == "0.00"
    texts = [c.value for c in wb["概况"]["A"] if isinstance(c.value, str)]
    assert any(t.startswith("考核得分 = 100 × Σ") and "好评率 0.4" in t for t in texts)


def test_pdf_renders_to_png_with_chinese_and_tibetan_headings(dataset, tmp_path):
    # given
    data = builders.gather("monthly_bad_reviews", "2026-10")
    # when
    pdf = render_pdf(
        data, version=1, problems_found="部分窗口人员业务不熟练", typical_cases="ཞབས་ཞུ་ཡག་པོ།"
    )
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    # then: poppler renders the first page to a PNG
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 2000
    # and its text holds both headings, the sections and the masked evaluator
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode()
    zh, bo = TITLES["monthly_bad_reviews"]
    assert zh in text
    assert bo in text.replace("\n", "")
    assert "发现的问题" in text and "རྙེད་པའི་གནད་དོན།" in text
    assert "部分窗口人员业务不熟练" in text
    assert "卓*" in text and "139****5678" in text
    assert "差评及整改情况" in text
