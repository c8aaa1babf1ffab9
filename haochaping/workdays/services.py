"""Every write to the calendar. Each change, in one transaction: lock the calendar state row,
validate, write, audit every entry touched, bump the token, invalidate the in-process cache and
run the deadline-recompute callbacks (recompute.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from haochaping.core import clock
from haochaping.core.exceptions import InvalidInput
from haochaping.workdays import cache, fileformat, recompute
from haochaping.workdays.enums import AuditAction, ChangeChannel, EntryKind
from haochaping.workdays.models import CalendarAudit, CalendarEntry, CalendarState
from haochaping.workdays.selectors import normalise_region, region_code_error


@dataclass
class ChangeResult:
    entry: CalendarEntry | None
    recomputed: dict[str, int] = field(default_factory=dict)

    @property
    def recomputed_total(self) -> int:
        return sum(self.recomputed.values())


@dataclass
class ImportPlan:
    """What an import would do; ``rows`` carry per-row errors. Built by :func:`import_plan`."""

    year: int | None
    replace: bool
    rows: list[fileformat.Row]
    to_create: list[fileformat.Row] = field(default_factory=list)
    to_update: list[tuple[CalendarEntry, fileformat.Row]] = field(default_factory=list)
    to_delete: list[CalendarEntry] = field(default_factory=list)
    unchanged: list[fileformat.Row] = field(default_factory=list)

    @property
    def error_rows(self) -> list[fileformat.Row]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.error_rows

    @property
    def changes(self) -> int:
        return len(self.to_create) + len(self.to_update) + len(self.to_delete)


@dataclass
class ImportResult:
    created: int
    updated: int
    deleted: int
    unchanged: int
    batch: str
    recomputed: dict[str, int] = field(default_factory=dict)


# --- internals -----------------------------------------------------------------------------


def _actor_label(user: Any) -> str:
    if user is None:
        return "system"
    return str(getattr(user, "username", "") or user)


def _lock_state() -> CalendarState:
    state, _created = CalendarState.objects.get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": clock.now()}
    )
    return CalendarState.objects.select_for_update().get(pk=state.pk)


def _finish(state: CalendarState, dates: set[dt.date], scopes: set[str]) -> dict[str, int]:
    state.token = uuid.uuid4().hex
    state.changed_at = clock.now()
    state.save(update_fields=["token", "changed_at"])
    cache.invalidate()
    return recompute.run_all(dates, scopes)


def _audit(
    *,
    action: str,
    acting_user: Any,
    via: str,
    entry_id: int | None,
    day: dt.date,
    scope: str,
    before: dict | None,
    after: dict | None,
    batch: str = "",
) -> CalendarAudit:
    return CalendarAudit.objects.create(
        at=clock.now(),
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        actor_label=_actor_label(acting_user),
        action=action,
        via=via,
        batch=batch,
        entry_id=entry_id,
        date=day,
        region_code=scope,
        before=before,
        after=after,
    )


def _validate_entry(
    *, date: Any, kind: Any, name: Any, source: Any, region_code: str, exclude_id: int | None = None
) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        errors.setdefault("date", []).append(_("Enter a valid date (YYYY-MM-DD)."))
    if kind not in EntryKind.values:
        errors.setdefault("kind", []).append(_("Choose holiday or make-up working day."))
    if not str(name or "").strip():
        errors.setdefault("name", []).append(_("The name is missing."))
    elif len(str(name).strip()) > fileformat.NAME_MAX:
        errors.setdefault("name", []).append(_("The name is longer than 100 characters."))
    if not str(source or "").strip():
        errors.setdefault("source", []).append(
            _("The source (the notice this entry comes from) is missing.")
        )
    elif len(str(source).strip()) > fileformat.SOURCE_MAX:
        errors.setdefault("source", []).append(_("The source is longer than 300 characters."))
    if region_code:
        message = region_code_error(region_code)
        if message:
            errors.setdefault("region_code", []).append(message)
    if "date" not in errors and kind == EntryKind.WORKDAY and date.weekday() < 5:
        errors.setdefault("date", []).append(
            _("%(date)s is a weekday: a make-up working day must fall on a weekend.")
            % {"date": date.isoformat()}
        )
    if "date" not in errors and "region_code" not in errors:
        clash = CalendarEntry.objects.filter(date=date, region_code=region_code)
        if exclude_id is not None:
            clash = clash.exclude(pk=exclude_id)
        existing = clash.first()
        if existing is not None:
            errors.setdefault("date", []).append(
                _(
                    "%(date)s already has an entry in this scope (%(kind)s: %(name)s). Edit that entry instead."
                )
                % {
                    "date": date.isoformat(),
                    "kind": existing.get_kind_display(),
                    "name": existing.name,
                }
            )
    if errors:
        raise InvalidInput(extra={"errors": errors})


# --- single entries ------------------------------------------------------------------------


@transaction.atomic
def entry_create(
    *,
    date: dt.date,
    kind: str,
    name: str,
    source: str,
    region_code: str | None = "",
    acting_user: Any,
    via: str = ChangeChannel.WEB,
) -> ChangeResult:
    state = _lock_state()
    scope = normalise_region(region_code)
    _validate_entry(date=date, kind=kind, name=name, source=source, region_code=scope)
    now = clock.now()
    entry = CalendarEntry.objects.create(
        date=date,
        kind=kind,
        name=name.strip(),
        source=source.strip(),
        region_code=scope,
        created_at=now,
        updated_at=now,
    )
    _audit(
        action=AuditAction.CREATED,
        acting_user=acting_user,
        via=via,
        entry_id=entry.pk,
        day=entry.date,
        scope=scope,
        before=None,
        after=entry.snapshot(),
    )
    return ChangeResult(entry, _finish(state, {entry.date}, {scope}))


@transaction.atomic
def entry_update(
    *,
    entry_id: int,
    date: dt.date,
    kind: str,
    name: str,
    source: str,
    region_code: str | None = "",
    acting_user: Any,
    via: str = ChangeChannel.WEB,
) -> ChangeResult:
    state = _lock_state()
    try:
        entry = CalendarEntry.objects.select_for_update().get(pk=entry_id)
    except CalendarEntry.DoesNotExist:
        from haochaping.core.exceptions import NotFound

        raise NotFound() from None
    scope = normalise_region(region_code)
    _validate_entry(
        date=date, kind=kind, name=name, source=source, region_code=scope, exclude_id=entry.pk
    )
    before = entry.snapshot()
    old_date, old_scope = entry.date, entry.region_code
    entry.date, entry.kind, entry.name = date, kind, name.strip()
    entry.source, entry.region_code, entry.updated_at = source.strip(), scope, clock.now()
    if entry.snapshot() == before:
        return ChangeResult(entry, {})
    entry.save(update_fields=["date", "kind", "name", "source", "region_code", "updated_at"])
    _audit(
        action=AuditAction.UPDATED,
        acting_user=acting_user,
        via=via,
        entry_id=entry.pk,
        day=entry.date,
        scope=scope,
        before=before,
        after=entry.snapshot(),
    )
    return ChangeResult(entry, _finish(state, {old_date, entry.date}, {old_scope, scope}))


@transaction.atomic
def entry_delete(*, entry_id: int, acting_user: Any, via: str = ChangeChannel.WEB) -> ChangeResult:
    state = _lock_state()
    try:
        entry = CalendarEntry.objects.select_for_update().get(pk=entry_id)
    except CalendarEntry.DoesNotExist:
        from haochaping.core.exceptions import NotFound

        raise NotFound() from None
    before = entry.snapshot()
    day, scope, pk = entry.date, entry.region_code, entry.pk
    entry.delete()
    _audit(
        action=AuditAction.DELETED,
        acting_user=acting_user,
        via=via,
        entry_id=pk,
        day=day,
        scope=scope,
        before=before,
        after=None,
    )
    return ChangeResult(None, _finish(state, {day}, {scope}))


# --- import ----------------------------------------------------------------------------------


def majority_year(rows: list[fileformat.Row]) -> int | None:
    years = Counter(r.date.year for r in rows if r.date is not None)
    return years.most_common(1)[0][0] if years else None


def import_plan(
    *, text: str, fmt: str, year: int | None = None, replace: bool = False
) -> ImportPlan:
    """Parse and validate a file and compare it with the database. Writes nothing.

    ``year``: the year being imported; None takes the year most dates fall in. Raises
    InvalidInput (field ``file``) when the file cannot be read at all.
    """
    try:
        raw_rows = fileformat.read_raw(text, fmt)
    except fileformat.FileFormatError as exc:
        raise InvalidInput(str(exc), extra={"errors": {"file": [str(exc)]}}) from None
    if not raw_rows:
        message = _("The file contains no entries.")
        raise InvalidInput(message, extra={"errors": {"file": [message]}})
    known: dict[str, str | None] = {}

    def region_error(code: str) -> str | None:
        if code not in known:
            known[code] = region_code_error(code)
        return known[code]

    rows = fileformat.validate_rows(raw_rows, year=None, region_error=region_error)
    if year is None:
        year = majority_year(rows)
    rows = fileformat.validate_rows(raw_rows, year=year, region_error=region_error)
    plan = ImportPlan(year=year, replace=replace, rows=rows)
    if not plan.ok:
        return plan
    scopes = {r.region_code for r in rows}
    dates = [r.date for r in rows if r.date is not None]
    existing = {
        (e.date, e.region_code): e
        for e in CalendarEntry.objects.filter(region_code__in=scopes, date__in=dates)
    }
    for row in rows:
        current = existing.get((cast(dt.date, row.date), row.region_code))
        if current is None:
            plan.to_create.append(row)
        elif current.snapshot() == row.as_dict():
            plan.unchanged.append(row)
        else:
            plan.to_update.append((current, row))
    if replace and year is not None:
        keep = {(r.date, r.region_code) for r in rows}
        plan.to_delete = [
            e
            for e in CalendarEntry.objects.filter(region_code__in=scopes, date__year=year).order_by(
                "date"
            )
            if (e.date, e.region_code) not in keep
        ]
    return plan


def plan_errors(plan: ImportPlan) -> dict[str, list[str]]:
    return {
        "file": [
            _("Line %(line)s: %(message)s") % {"line": row.line, "message": message}
            for row in plan.error_rows
            for message in row.errors
        ]
    }


@transaction.atomic
def entries_import(
    *,
    text: str,
    fmt: str,
    year: int | None = None,
    replace: bool = False,
    acting_user: Any,
    via: str = ChangeChannel.IMPORT,
) -> ImportResult:
    """Apply a calendar file: all of it or, when any row is wrong, nothing (InvalidInput)."""
    state = _lock_state()
    plan = import_plan(text=text, fmt=fmt, year=year, replace=replace)
    if not plan.ok:
        raise InvalidInput(
            _("The file has errors; nothing was imported."), extra={"errors": plan_errors(plan)}
        )
    batch = uuid.uuid4().hex
    now = clock.now()
    dates: set[dt.date] = set()
    scopes: set[str] = set()
    for row in plan.to_create:
        assert row.date is not None  # noqa: S101  (rows without a date failed validation)
        entry = CalendarEntry.objects.create(
            date=row.date,
            kind=row.kind,
            name=row.name,
            source=row.source,
            region_code=row.region_code,
            created_at=now,
            updated_at=now,
        )
        _audit(
            action=AuditAction.CREATED,
            acting_user=acting_user,
            via=via,
            entry_id=entry.pk,
            day=entry.date,
            scope=entry.region_code,
            before=None,
            after=entry.snapshot(),
            batch=batch,
        )
        dates.add(entry.date)
        scopes.add(entry.region_code)
    for entry, row in plan.to_update:
        before = entry.snapshot()
        entry.kind, entry.name, entry.source, entry.updated_at = row.kind, row.name, row.source, now
        entry.save(update_fields=["kind", "name", "source", "updated_at"])
        _audit(
            action=AuditAction.UPDATED,
            acting_user=acting_user,
            via=via,
            entry_id=entry.pk,
            day=entry.date,
            scope=entry.region_code,
            before=before,
            after=entry.snapshot(),
            batch=batch,
        )
        dates.add(entry.date)
        scopes.add(entry.region_code)
    for entry in plan.to_delete:
        before = entry.snapshot()
        pk = entry.pk
        entry.delete()
        _audit(
            action=AuditAction.DELETED,
            acting_user=acting_user,
            via=via,
            entry_id=pk,
            day=dt.date.fromisoformat(before["date"]),
            scope=before["region"],
            before=before,
            after=None,
            batch=batch,
        )
        dates.add(dt.date.fromisoformat(before["date"]))
        scopes.add(before["region"])
    recomputed = _finish(state, dates, scopes) if dates else {}
    return ImportResult(
        created=len(plan.to_create),
        updated=len(plan.to_update),
        deleted=len(plan.to_delete),
        unchanged=len(plan.unchanged),
        batch=batch,
        recomputed=recomputed,
    )


@transaction.atomic
def calendar_load_shipped(
    *, acting_user: Any = None, via: str = ChangeChannel.SHIPPED
) -> list[ImportResult]:
    """Load every shipped data file (haochaping/workdays/data/), one year per file; idempotent."""
    results = []
    for path in fileformat.shipped_files():
        text = path.read_text(encoding="utf-8")
        results.append(
            entries_import(
                text=text,
                fmt=fileformat.detect_format(path.name, text),
                acting_user=acting_user,
                via=via,
            )
        )
    return results
