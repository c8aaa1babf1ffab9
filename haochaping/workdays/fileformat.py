"""Calendar files (CSV or JSON): parsing and row validation. Pure: no database.

CSV: a header line ``date,kind,region,name,source`` (column order free), one entry per line.
JSON: a list of objects with the same keys, or ``{"entries": [...]}``.
``kind`` is ``holiday`` or ``workday`` (a make-up working day); ``region`` is empty for the
national calendar. The shipped official data under ``data/`` uses this format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from haochaping.workdays.enums import EntryKind

DATA_DIR = Path(__file__).resolve().parent / "data"
COLUMNS = ("date", "kind", "region", "name", "source")
KIND_ALIASES = {
    "holiday": EntryKind.HOLIDAY,
    "休": EntryKind.HOLIDAY,
    "假": EntryKind.HOLIDAY,
    "workday": EntryKind.WORKDAY,
    "make-up": EntryKind.WORKDAY,
    "makeup": EntryKind.WORKDAY,
    "班": EntryKind.WORKDAY,
}
NAME_MAX = 100
SOURCE_MAX = 300


class FileFormatError(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, missing columns ...)."""


@dataclass
class Row:
    """One entry of a file, as written, plus what validation found."""

    line: int
    raw: dict[str, str]
    date: dt.date | None = None
    kind: str = ""
    region_code: str = ""
    name: str = ""
    source: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[dt.date | None, str]:
        return (self.date, self.region_code)

    def as_dict(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat() if self.date else self.raw.get("date", ""),
            "kind": self.kind,
            "region": self.region_code,
            "name": self.name,
            "source": self.source,
        }


def detect_format(filename: str, text: str) -> str:
    lower = filename.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".csv"):
        return "csv"
    return "json" if text.lstrip().startswith(("[", "{")) else "csv"


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileFormatError(_("The file is not UTF-8 text.")) from None


def read_raw(text: str, fmt: str) -> list[tuple[int, dict[str, str]]]:
    """Split a file into (line or position, {column: text}) without judging the values."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise FileFormatError(_("The file is not valid JSON.")) from None
        if isinstance(data, dict):
            data = data.get("entries")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise FileFormatError(_('A JSON calendar is a list of entries or {"entries": [...]}.'))
        out = []
        for position, item in enumerate(data, start=1):
            values = {k: "" if item.get(k) is None else str(item.get(k)).strip() for k in COLUMNS}
            if not values["region"] and item.get("region_code"):
                values["region"] = str(item["region_code"]).strip()
            out.append((position, values))
        return out
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("date", "kind", "name", "source") if c not in header]
    if missing:
        raise FileFormatError(
            _("The CSV header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    return [
        (reader.line_num, {k: (row.get(k) or "").strip() for k in COLUMNS})
        for row in reader
        if any((v or "").strip() for v in row.values() if isinstance(v, str))
    ]


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def validate_rows(
    raw_rows: Iterable[tuple[int, dict[str, str]]],
    *,
    year: int | None,
    region_error: Callable[[str], str | None],
) -> list[Row]:
    """Check every row; ``region_error(code)`` returns a message for an unusable region code.

    Finds malformed values, dates outside ``year``, duplicates (the same date and scope twice
    with the same kind) and conflicts (holiday and make-up working day on the same date and
    scope). Every row with a problem gets a message; nothing is dropped silently.
    """
    rows: list[Row] = []
    for line, raw in raw_rows:
        row = Row(line=line, raw=raw)
        row.date = parse_date(raw.get("date", ""))
        if row.date is None:
            row.errors.append(
                _("“%(value)s” is not a date: use YYYY-MM-DD.") % {"value": raw.get("date", "")}
            )
        elif year is not None and row.date.year != year:
            row.errors.append(
                _("%(date)s is outside the year %(year)s.")
                % {"date": row.date.isoformat(), "year": year}
            )
        kind = KIND_ALIASES.get(raw.get("kind", "").strip().lower())
        if kind is None:
            row.errors.append(
                _("Unknown kind “%(value)s”: use holiday or workday.")
                % {"value": raw.get("kind", "")}
            )
        else:
            row.kind = kind.value
        row.region_code = raw.get("region", "").strip()
        if row.region_code:
            message = region_error(row.region_code)
            if message:
                row.errors.append(message)
        row.name = raw.get("name", "").strip()
        if not row.name:
            row.errors.append(_("The name is missing."))
        elif len(row.name) > NAME_MAX:
            row.errors.append(_("The name is longer than 100 characters."))
        row.source = raw.get("source", "").strip()
        if not row.source:
            row.errors.append(_("The source (the notice this entry comes from) is missing."))
        elif len(row.source) > SOURCE_MAX:
            row.errors.append(_("The source is longer than 300 characters."))
        if row.kind == EntryKind.WORKDAY and row.date is not None and row.date.weekday() < 5:
            row.errors.append(
                _("%(date)s is a weekday: a make-up working day must fall on a weekend.")
                % {"date": row.date.isoformat()}
            )
        rows.append(row)
    seen: dict[tuple[dt.date | None, str], Row] = {}
    for row in rows:
        if row.date is None:
            continue
        first = seen.get(row.key)
        if first is None:
            seen[row.key] = row
        elif first.kind == row.kind:
            row.errors.append(
                _("Duplicate: line %(line)s has the same date and scope.") % {"line": first.line}
            )
        else:
            message = _("Conflict: line %(line)s makes %(date)s a %(kind)s in the same scope.") % {
                "line": first.line,
                "date": row.date.isoformat(),
                "kind": EntryKind(first.kind).label if first.kind else "?",
            }
            row.errors.append(message)
            first.errors.append(
                _("Conflict: line %(line)s makes %(date)s a %(kind)s in the same scope.")
                % {
                    "line": row.line,
                    "date": row.date.isoformat(),
                    "kind": EntryKind(row.kind).label if row.kind else "?",
                }
            )
    return rows


def shipped_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.csv")) + sorted(DATA_DIR.glob("*.json"))


def read_shipped() -> list[dict[str, str]]:
    """Every entry of the shipped data files, as plain dicts (used by the data migration too)."""
    entries: list[dict[str, str]] = []
    for path in shipped_files():
        text = path.read_text(encoding="utf-8")
        for _line, raw in read_raw(text, detect_format(path.name, text)):
            entries.append(raw)
    return entries


def to_csv(entries: Iterable[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow({k: entry.get(k, "") for k in COLUMNS})
    return buffer.getvalue()


def to_json(entries: Iterable[dict[str, str]]) -> str:
    return (
        json.dumps(
            {"entries": [{k: e.get(k, "") for k in COLUMNS} for e in entries]},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
