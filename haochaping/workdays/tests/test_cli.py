"""``haochaping workdays ...``: in-process through call_command, and once as a real process."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from haochaping.workdays.models import CalendarAudit, CalendarEntry
from haochaping.workdays.tests.helpers import d


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_add_prints_the_iso_date_first(shipped):
    out, err = run("add", "2026-02-13", "2", "--region", "540100")
    assert out.splitlines() == [
        "2026-02-27  end of working day 2 after 2026-02-13: 2026-02-27T18:00+08:00 Asia/Shanghai "
        "(calendar: national > 540000 > 540100)"
    ]
    assert err == ""


@pytest.mark.django_db
def test_add_without_region_is_national_only(shipped):
    out, _err = run("add", "2026-02-13", "2")
    assert out.startswith("2026-02-24  ")
    assert out.rstrip().endswith("(calendar: national)")


@pytest.mark.django_db
def test_add_explain_lists_the_skipped_days(shipped):
    out, _err = run("add", "2026-09-30", "3", "--explain")
    assert out.splitlines()[1:] == [
        "  2026-10-01 Thu  skipped: holiday 国庆节",
        "  2026-10-02 Fri  skipped: holiday 国庆节",
        "  2026-10-03 Sat  skipped: holiday 国庆节",
        "  2026-10-04 Sun  skipped: holiday 国庆节",
        "  2026-10-05 Mon  skipped: holiday 国庆节",
        "  2026-10-06 Tue  skipped: holiday 国庆节",
        "  2026-10-07 Wed  skipped: holiday 国庆节",
        "  2026-10-08 Thu  day 1: working day",
        "  2026-10-09 Fri  day 2: working day",
        "  2026-10-10 Sat  day 3: make-up working day 国庆节",
        "  7 day(s) skipped, 3 counted.",
    ]


@pytest.mark.django_db
def test_add_into_a_year_without_data_warns_on_stderr(shipped):
    out, err = run("add", "2031-09-30", "1")
    assert out.startswith("2031-10-01  ")
    assert err == (
        "WARNING: no calendar data for 2031: counted Monday-Friday only "
        "(holidays and make-up working days unknown).\n"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "2026-02-30", "1"], "Invalid date '2026-02-30': use YYYY-MM-DD."),
        (["add", "13.02.2026", "1"], "Invalid date '13.02.2026': use YYYY-MM-DD."),
        (["add", "2026-02-13", "-1"], "N must be between 0 and 3650, got -1."),
        (["add", "2026-02-13", "99999"], "N must be between 0 and 3650, got 99999."),
        (["add", "2026-02-13", "five"], "Invalid N 'five': a whole number of working days."),
        (["add", "2026-02-13", "1", "--region", "999999"], "Unknown region code “999999”."),
        (["check", "20x6"], "Invalid year '20x6'."),
        (
            ["import", "/nonexistent/file.csv"],
            "Cannot read /nonexistent/file.csv: No such file or directory.",
        ),
    ],
)
def test_bad_arguments_raise_a_clear_error(args, message):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert str(info.value) == message


@pytest.mark.django_db
def test_import_file_and_dry_run(tmp_path):
    path = tmp_path / "lhasa-2031.csv"
    path.write_text(
        "date,kind,region,name,source\n2031-08-20,holiday,540100,雪顿节,拉萨市通知\n",
        encoding="utf-8",
    )
    out, _ = run("import", str(path), "--dry-run")
    assert (
        out
        == f"{path} (2031): 1 to add, 0 to change, 0 to delete, 0 unchanged (dry run: nothing changed)\n"
    )
    assert not CalendarEntry.objects.filter(date=d("2031-08-20")).exists()
    out, _ = run("import", str(path))
    assert (
        out
        == f"{path} (2031): 1 added, 0 changed, 0 deleted, 0 unchanged; open deadlines recomputed: 0\n"
    )
    assert CalendarAudit.objects.get(date=d("2031-08-20")).via == "cli"


@pytest.mark.django_db
def test_import_with_errors_imports_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,kind,region,name,source\n2031-08-20,holiday,540100,a,b\n2031-08-20,holiday,540100,a,b\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as info:
        run("import", str(path))
    assert (
        str(info.value)
        == f"{path}: line 3: Duplicate: line 2 has the same date and scope.\nNothing was imported."
    )
    assert not CalendarEntry.objects.filter(date=d("2031-08-20")).exists()


@pytest.mark.django_db
def test_check_a_loaded_year(shipped):
    out, _ = run("check", "2026")
    lines = out.splitlines()
    assert lines[:3] == [
        "national: 33 holiday(s), 6 make-up working day(s)",
        "540100: 12 holiday(s), 2 make-up working day(s)",
        "540100 calendar 2026: 245 working days",
    ]
    assert "  2026-02-24 Tue holiday  春节、藏历新年 [540100]" in lines
    assert lines[-1] == "OK: 2026 has national data."


@pytest.mark.django_db
def test_check_a_missing_year_fails():
    with pytest.raises(CommandError) as info:
        run("check", "2031")
    assert str(info.value) == "The calendar for 2031 is incomplete."
    assert info.value.returncode == 1


@pytest.mark.slow
def test_real_process_exit_codes_and_output(tmp_path):
    # given a fresh embedded database (the data migration loads the shipped calendar)
    env = {**os.environ, "HAOCHAPING_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "haochaping", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            check=False,
        )

    assert cli("migrate", "-v0").returncode == 0
    # when / then
    ok = cli("workdays", "add", "2026-02-13", "5", "--region", "540100")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0].split()[0] == "2026-03-03"
    bad = cli("workdays", "add", "2026-02-13", "-3")
    assert bad.returncode == 1
    assert "CommandError: N must be between 0 and 3650, got -3." in bad.stderr
    assert bad.stdout == ""
    assert cli("workdays", "check", "2026").returncode == 0
    assert cli("workdays", "check", "2031").returncode == 1
