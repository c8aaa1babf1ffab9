"""``haochaping workdays``: the working-day calendar from the command line.

haochaping workdays add DATE N [--region CODE] [--explain]
haochaping workdays import FILE [--year YEAR] [--replace] [--dry-run]
haochaping workdays check YEAR [--region CODE]
haochaping workdays load-shipped
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.exceptions import InvalidInput
from haochaping.workdays import fileformat, selectors, services
from haochaping.workdays.arithmetic import MAX_WORKDAYS, explain_workdays
from haochaping.workdays.enums import ChangeChannel, EntryKind

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _errors_text(exc: InvalidInput) -> str:
    errors = exc.extra.get("errors") or {}
    lines = [str(m) for msgs in errors.values() for m in msgs]
    return "\n".join(lines) if lines else str(exc.message)


class Command(BaseCommand):
    help = "Working-day calendar: compute a deadline, import a year, check a year's data."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="{add,import,check,load-shipped}")
        sub.required = True
        add = sub.add_parser(
            "add", help="Print the deadline N working days after DATE (DATE not counted)."
        )
        add.add_argument("date", help="the start day, YYYY-MM-DD (not counted)")
        add.add_argument("n", help=f"working days to add, 0..{MAX_WORKDAYS}")
        add.add_argument(
            "--region", default="", help="region code (540100 Lhasa); default: national only"
        )
        add.add_argument(
            "--explain", action="store_true", help="list every day looked at and why it is skipped"
        )
        imp = sub.add_parser(
            "import", help="Import a CSV or JSON calendar file (all rows or nothing)."
        )
        imp.add_argument("file")
        imp.add_argument(
            "--year",
            type=int,
            default=None,
            help="the year of the file (default: most of its dates)",
        )
        imp.add_argument(
            "--replace",
            action="store_true",
            help="also delete the year's entries of the file's scopes that the file does not list",
        )
        imp.add_argument(
            "--dry-run", action="store_true", help="validate and show the plan; change nothing"
        )
        chk = sub.add_parser(
            "check", help="Summarise a year's data; exit 1 when the national calendar lacks it."
        )
        chk.add_argument("year")
        chk.add_argument(
            "--region", default="540100", help="the region whose effective calendar to list"
        )
        sub.add_parser(
            "load-shipped", help="Load the official data shipped in haochaping/workdays/data/."
        )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "add":
            return self._add(options)
        if action == "import":
            return self._import(options)
        if action == "check":
            return self._check(options)
        return self._load_shipped()

    # --- add --------------------------------------------------------------------------------
    def _add(self, options):
        start = fileformat.parse_date(options["date"])
        if start is None:
            raise CommandError(f"Invalid date {options['date']!r}: use YYYY-MM-DD.")
        try:
            n = int(options["n"])
        except ValueError:
            raise CommandError(
                f"Invalid N {options['n']!r}: a whole number of working days."
            ) from None
        if n < 0 or n > MAX_WORKDAYS:
            raise CommandError(f"N must be between 0 and {MAX_WORKDAYS}, got {n}.")
        region = options["region"].strip() or None
        try:
            explanation = explain_workdays(start, n, region)
        except InvalidInput as exc:
            raise CommandError(_errors_text(exc)) from None
        deadline = explanation.deadline
        scope = (
            " > ".join(["national", *selectors.region_chain(region)[1:]]) if region else "national"
        )
        self.stdout.write(
            f"{deadline.date().isoformat()}  end of working day {n} after {start.isoformat()}: "
            f"{deadline.isoformat(timespec='minutes')} Asia/Shanghai (calendar: {scope})"
        )
        for year in explanation.missing_years:
            self.stderr.write(
                f"WARNING: no calendar data for {year}: counted Monday-Friday only "
                "(holidays and make-up working days unknown)."
            )
        if options["explain"]:
            for step in explanation.steps:
                what = {
                    "holiday": f"holiday {step.name}",
                    "workday": f"make-up working day {step.name}",
                    "weekend": "weekend",
                    "weekday": "working day",
                }[step.reason]
                where = f" [{step.scope}]" if step.scope else ""
                status = f"day {step.counted}" if step.counted is not None else "skipped"
                self.stdout.write(
                    f"  {step.day.isoformat()} {WEEKDAYS[step.day.weekday()]}  {status}: {what}{where}"
                )
            skipped = len(explanation.skipped)
            self.stdout.write(f"  {skipped} day(s) skipped, {n} counted.")

    # --- import -----------------------------------------------------------------------------
    def _import(self, options):
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            text = fileformat.decode(content)
        except fileformat.FileFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        fmt = fileformat.detect_format(path.name, text)
        try:
            plan = services.import_plan(
                text=text, fmt=fmt, year=options["year"], replace=options["replace"]
            )
        except InvalidInput as exc:
            raise CommandError(f"{path}: {_errors_text(exc)}") from None
        if not plan.ok:
            lines = [
                f"{path}: line {row.line}: {message}"
                for row in plan.error_rows
                for message in row.errors
            ]
            raise CommandError("\n".join([*lines, "Nothing was imported."]))
        summary = (
            f"{path} ({plan.year}): {len(plan.to_create)} to add, {len(plan.to_update)} to change, "
            f"{len(plan.to_delete)} to delete, {len(plan.unchanged)} unchanged"
        )
        if options["dry_run"]:
            self.stdout.write(summary + " (dry run: nothing changed)")
            return
        try:
            result = services.entries_import(
                text=text,
                fmt=fmt,
                year=options["year"],
                replace=options["replace"],
                acting_user=None,
                via=ChangeChannel.CLI,
            )
        except InvalidInput as exc:
            raise CommandError(f"{path}: {_errors_text(exc)}") from None
        self.stdout.write(
            f"{path} ({plan.year}): {result.created} added, {result.updated} changed, {result.deleted} deleted, "
            f"{result.unchanged} unchanged; open deadlines recomputed: {sum(result.recomputed.values())}"
        )

    # --- check ------------------------------------------------------------------------------
    def _check(self, options):
        try:
            year = int(options["year"])
        except ValueError:
            raise CommandError(f"Invalid year {options['year']!r}.") from None
        if not 1949 <= year <= 2200:
            raise CommandError(f"Invalid year {year}.")
        region = options["region"].strip()
        if region:
            message = selectors.region_code_error(region)
            if message:
                raise CommandError(message)
        summary = {row["region_code"]: row for row in selectors.year_summary(year)}
        for scope, row in summary.items():
            self.stdout.write(
                f"{scope or 'national'}: {row['holidays']} holiday(s), {row['workdays']} make-up working day(s)"
            )
        problems = [
            f"{entry.date} [{entry.region_code or 'national'}]: make-up working day on a weekday"
            for entry in selectors.entry_list(year=year)
            if entry.kind == EntryKind.WORKDAY and entry.date.weekday() < 5
        ]
        if "" not in summary:
            self.stdout.write(
                f"MISSING: no national data for {year}: deadlines are counted on weekends alone. "
                "Import the State Council notice: haochaping workdays import FILE"
            )
        else:
            self._print_effective(year, region)
        for line in problems:
            self.stdout.write(f"PROBLEM: {line}")
        if "" not in summary or problems:
            raise CommandError(f"The calendar for {year} is incomplete.", returncode=1)
        self.stdout.write(f"OK: {year} has national data.")

    def _print_effective(self, year: int, region: str) -> None:
        from haochaping.workdays.cache import calendar_for

        calendar = calendar_for(region or None)
        label = region or "national"
        days = sorted(d for d in calendar.days if d.year == year)
        off = [d for d in days if calendar.days[d].kind == EntryKind.HOLIDAY]
        on = [d for d in days if calendar.days[d].kind == EntryKind.WORKDAY]
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        total = sum(
            1
            for i in range((last - first).days + 1)
            if ((first + dt.timedelta(days=i)) in on)
            or (
                (first + dt.timedelta(days=i)).weekday() < 5
                and (first + dt.timedelta(days=i)) not in off
            )
        )
        self.stdout.write(f"{label} calendar {year}: {total} working days")
        for day in days:
            entry = calendar.days[day]
            self.stdout.write(
                f"  {day.isoformat()} {WEEKDAYS[day.weekday()]} {entry.kind:8} {entry.name} [{entry.scope or 'national'}]"
            )

    def _load_shipped(self):
        results = services.calendar_load_shipped(via=ChangeChannel.CLI)
        created = sum(r.created for r in results)
        updated = sum(r.updated for r in results)
        self.stdout.write(
            f"Shipped calendar loaded from {len(results)} file(s): {created} added, {updated} changed."
        )
