from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_report_command_writes_xlsx(dataset, tmp_path):
    # given
    out = tmp_path / "m.xlsx"
    stdout = io.StringIO()
    # when
    call_command(
        "report",
        "monthly",
        "--month",
        "2026-10",
        "--format",
        "xlsx",
        "--out",
        str(out),
        "--internal",
        stdout=stdout,
    )
    # then
    line = json.loads(stdout.getvalue())
    assert (line["kind"], line["period"], line["bytes"]) == (
        "monthly_bad_reviews",
        "2026-10",
        out.stat().st_size,
    )
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == "本月差评明细"
    assert wb["概况"]["B3"].value == "2026-10"


def test_report_command_quarter_spelling_and_bad_period(dataset, tmp_path):
    stdout = io.StringIO()
    call_command(
        "report",
        "quarterly",
        "--quarter",
        "2026Q4",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "q.xlsx"),
        stdout=stdout,
    )
    assert json.loads(stdout.getvalue())["period"] == "2026-Q4"
    with pytest.raises(CommandError, match="invalid period '2026-13'"):
        call_command(
            "report",
            "annual",
            "--year",
            "2026-13",
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "a.pdf"),
        )
