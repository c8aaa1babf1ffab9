"""Bulk import of national-style rating records (JSON lines or CSV).

Exactly-once and resumable: every line gets an idempotency key derived from the file's identity
and its line number (unless it brings its own ``idempotencyKey``), chunks are committed one by
one, and a checkpoint file records the last committed line. Re-running after an interruption
skips committed lines; a chunk committed just before a crash is recognised as replays.

Two paths, same rules and messages as the API:
- generic (SQLite, or ``--no-fast-path``): each record through ``record_submit`` inside one
  transaction per chunk (a savepoint per record);
- PostgreSQL fast path: per-row checks that need no database in Python, then COPY of the chunk
  into a temporary staging table, set-based checks in SQL (cases, stages, windows, duplicates,
  replays, follow-ups), one INSERT ... SELECT of the ratings that also adds their rollup counts
  and bad-review events, all in the chunk's transaction. Two connections work on chunks at
  once (``connections``), still committing them in file order (``_Turn``); a helper thread
  reads and checks the next chunk meanwhile.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import gc
import hashlib
import io
import json
import os
import queue
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from haochaping.core.clock import LOCAL_TZ, now
from haochaping.core.exceptions import ApplicationError
from haochaping.core.identifiers import validate_credit_code, validate_id_number, validate_mobile
from haochaping.ratings.conf import rating_setting
from haochaping.ratings.enums import (
    Channel,
    EvaluatorType,
    Level,
    Stage,
    level_from_hcp,
    origin_sql,
)
from haochaping.ratings.events import BAD_REVIEW_RECEIVED, bad_reviews_imported, ratings_imported
from haochaping.ratings.models import (
    ContentVersion,
    Rating,
    RatingEvent,
    RatingRollup,
    ReasonOption,
)
from haochaping.ratings.selectors import content_version_current
from haochaping.ratings.services import LANGUAGES, RECEIPT_ALPHABET, RECEIPT_LENGTH
from haochaping.ratings.wire import parse_wire_time, record_submit, split_codes

BOOL_FIELDS = ("anonymous", "paperForm", "staffEntered", "systemDefault")
CHANNELS = frozenset(Channel.values)
EVALUATOR_TYPES = frozenset(EvaluatorType.values)
STAGES = frozenset(Stage.values)
BAD_LEVELS = Level.bad_levels()
_LONG_DIGITS = re.compile(rb"\d{19}")
_UTC8 = dt.timezone(dt.timedelta(hours=8))
_COMPLETION = Stage.COMPLETION.value
_PERSON = EvaluatorType.PERSON.value
# satisfaction (the wire code, 1-5) -> (Level, its value); what level_from_hcp accepts
_WIRE_LEVELS = {code: (level_from_hcp(code), level_from_hcp(code).value) for code in range(1, 6)}
_WIRE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_RECEIPT_TABLE = bytes(ord(RECEIPT_ALPHABET[b % 32]) for b in range(256))


def fast_wire_time(value: str) -> dt.datetime:
    """parse_wire_time without strptime for the usual "yyyy-MM-dd HH:mm:ss" (C-level parse).
    Beijing time has been UTC+8 all year since 1992: from then on the fixed offset, whose
    comparisons and COPY formatting cost a fraction of the zone's (the same instant)."""
    if _WIRE_TIME_RE.match(value) is None:
        return parse_wire_time(value)
    parsed = dt.datetime.fromisoformat(value)  # ValueError: bad date
    return parsed.replace(tzinfo=_UTC8 if parsed.year >= 1992 else LOCAL_TZ)


def receipts_new(n: int) -> list[str]:
    """``n`` receipt codes at once: one read of the CSPRNG, mapped byte -> symbol with a table
    (the same unbiased ``byte % 32`` as ``receipt_new``)."""
    symbols = secrets.token_bytes(n * RECEIPT_LENGTH).translate(_RECEIPT_TABLE).decode("ascii")
    return [symbols[i : i + RECEIPT_LENGTH] for i in range(0, n * RECEIPT_LENGTH, RECEIPT_LENGTH)]


_FALSE = {"", "0", "false", "no", "off", "n"}


@dataclass
class ImportReport:
    lines: int = 0  # lines handled in this run (after the checkpoint)
    imported: int = 0
    replayed: int = 0
    failed: int = 0
    skipped: int = 0  # lines before the checkpoint
    seconds: float = 0.0
    fast_path: bool = False
    errors_path: str = ""
    checkpoint_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


# --- reading ---------------------------------------------------------------------------------


def file_tag(path: Path) -> str:
    """Identity of the file's content (size + head + tail), used in derived idempotency keys."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        h.update(f.read(1 << 16))
        if size > 1 << 17:
            f.seek(-(1 << 16), os.SEEK_END)
            h.update(f.read())
    return h.hexdigest()[:16]


def count_lines(path: Path, *, is_csv: bool) -> int:
    n = 0
    last = b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        n += 1
    return n - 1 if is_csv else n


def iter_records(path: Path, *, is_csv: bool) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield (line number, record or None, error message) for each data line (1-based).

    JSON lines are read as bytes, split at ``\n`` (as ``count_lines`` counts them), and parsed
    by orjson, about three times faster than the standard library here. A line orjson refuses
    gets a second chance with ``json.loads``, which takes what orjson does not (NaN), and so
    does a line with a run of 19 or more digits, which orjson would read as a float where the
    standard library keeps an exact int (a long numeric projectNo, say): both read every line
    the same way. Not UTF-8: not valid JSON."""
    if is_csv:
        with path.open("r", encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for i, row in enumerate(reader, start=2):
                yield i, {k: v for k, v in row.items() if k is not None}, ""
        return
    with path.open("rb") as f:
        for i, line in enumerate(f, start=1):
            if i == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            if line.isspace() or not line:
                yield i, None, ""
                continue
            try:
                record = _json_loads(line)
            except ValueError:
                yield i, None, _("This line is not valid JSON.")
                continue
            if not isinstance(record, dict):
                yield i, None, _("This line is not a JSON object.")
                continue
            yield i, record, ""


def _json_loads(line: bytes) -> Any:
    """One JSON line: orjson, else the standard library (see ``iter_records``). ValueError
    (UnicodeDecodeError too) when neither reads it."""
    if not _LONG_DIGITS.search(line):  # orjson reads integers beyond 64 bits as floats
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line.decode("utf-8"))


def normalize(record: dict[str, Any]) -> dict[str, Any]:
    """CSV gives strings: turn flags into booleans and blank cells into absent values. Strings
    are stripped. ``record`` (a line's own dict) is changed in place and returned."""
    out = record
    for k, v in record.items():  # new values for existing keys: allowed while iterating
        if v.__class__ is str and v and (v[0].isspace() or v[-1].isspace()):
            out[k] = v.strip()
    for name in BOOL_FIELDS:
        if name in out and isinstance(out[name], str):
            out[name] = out[name].lower() not in _FALSE
    for name in ("assessNumber", "publicFlag"):
        if name in out and out[name] == "":
            del out[name]
    return out


# --- checkpoint ------------------------------------------------------------------------------


def read_checkpoint(path: Path, tag: str) -> int:
    if not path.exists():
        return 0
    data = json.loads(path.read_text())
    if data.get("tag") != tag:
        raise ApplicationError(
            _("The checkpoint belongs to another version of this file; use --restart.")
        )
    return int(data.get("line", 0))


def write_checkpoint(path: Path, *, tag: str, line: int, report: ImportReport) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(
        json.dumps({"tag": tag, "line": line, "imported": report.imported, "failed": report.failed})
    )
    tmp.replace(path)


# --- the import ------------------------------------------------------------------------------


def ratings_import(
    path: Path,
    *,
    checkpoint_path: Path | None = None,
    errors_path: Path | None = None,
    chunk_size: int = 5000,
    fast_path: bool | None = None,
    restart: bool = False,
    progress: Callable[[ImportReport, int, int], None] | None = None,
    stop_after_chunks: int | None = None,
    connections: int | None = None,
) -> ImportReport:
    """Import ``path``. ``connections``: how many database connections work on chunks at once
    on the fast path (default 2, each chunk still committed in file order, see ``_Turn``;
    always 1 inside a transaction, where other connections would not see its rows)."""
    path = Path(path)
    is_csv = path.suffix.lower() == ".csv"
    checkpoint_path = checkpoint_path or path.with_name(path.name + ".checkpoint")
    errors_path = errors_path or path.with_name(path.name + ".errors.jsonl")
    if restart:
        checkpoint_path.unlink(missing_ok=True)
        errors_path.unlink(missing_ok=True)
    tag = file_tag(path)
    done_line = read_checkpoint(checkpoint_path, tag)
    total = count_lines(path, is_csv=is_csv)
    if fast_path is None:
        fast_path = connection.vendor == "postgresql"
    report = ImportReport(
        fast_path=fast_path, errors_path=str(errors_path), checkpoint_path=str(checkpoint_path)
    )
    content_version_current()  # makes sure the catalog is there
    versions = {v.code: v for v in ContentVersion.objects.all()}
    option_levels = {
        v.pk: dict(ReasonOption.objects.filter(version=v).values_list("code", "level"))
        for v in versions.values()
    }
    started = time.monotonic()
    chunks = 0
    source = _chunks(iter_records(path, is_csv=is_csv), done_line=done_line, size=chunk_size)
    language = translation.get_language()

    def prepare_next() -> _Prepared | None:
        # Runs in the helper thread: reading, parsing and the per-row checks (pure Python, no
        # database) of the next chunk overlap with the database work on the current one.
        with translation.override(language):
            batch = next(source, None)
            if batch is None:
                return None
            return _prepare(
                *batch,
                tag=tag,
                fast_path=fast_path,
                versions=versions,
                option_levels=option_levels,
            )

    if not fast_path or connection.in_atomic_block:
        connections = 1
    workers = max(1, connections or DEFAULT_CONNECTIONS)

    def finish(prepared: _Prepared, outcome: tuple[int, int, list[dict]]) -> None:
        _record(prepared, outcome, errors_file, report)
        if prepared.lines:
            write_checkpoint(checkpoint_path, tag=tag, line=prepared.last_line, report=report)
        report.seconds = time.monotonic() - started
        if progress:
            progress(report, report.skipped + report.lines, total)

    with (
        _gc_spaced(),
        errors_path.open("a", encoding="utf-8") as errors_file,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare") as pool,
    ):
        pending = pool.submit(prepare_next)
        if workers == 1:
            while (prepared := pending.result()) is not None:
                pending = pool.submit(prepare_next)
                finish(prepared, _apply(prepared, fast_path))
                chunks += 1
                if stop_after_chunks is not None and chunks >= stop_after_chunks:
                    return report
        else:
            # Chunks go to the connections in turn; results are taken in file order, so the
            # error report, the counts and the checkpoint are written as one connection would.
            in_flight: deque[tuple[_Prepared, Future]] = deque()
            previous: _Turn | None = None
            stopped = threading.Event()
            with _Connections(workers, language) as conns:
                try:
                    while (prepared := pending.result()) is not None:
                        pending = pool.submit(prepare_next)
                        if len(in_flight) == workers:
                            finish(*_outcome(*in_flight.popleft()))
                        turn = _Turn(prepared.keys, stopped)
                        job = functools.partial(_chunk_turn, prepared, previous, turn)
                        in_flight.append((prepared, conns.submit(chunks % workers, job)))
                        previous = turn
                        chunks += 1
                        if stop_after_chunks is not None and chunks >= stop_after_chunks:
                            break
                    while in_flight:
                        finish(*_outcome(*in_flight.popleft()))
                finally:
                    stopped.set()  # after an error: chunks not yet past their waits roll back
            if stop_after_chunks is not None and chunks >= stop_after_chunks:
                return report
    report.seconds = time.monotonic() - started
    if progress:
        progress(report, report.skipped + report.lines, total)
    return report


@contextmanager
def _gc_spaced() -> Iterator[None]:
    """The cyclic garbage collector runs every 50,000 allocations instead of 700 during the
    import (for the whole process; restored after): parsing and checking a chunk allocates
    hundreds of thousands of objects that hold no cycles, and the collector's passes over them
    cost about a fifth of that work (0.45 of 2.4 CPU seconds per 100,000 lines, measured).
    Garbage is still collected, only in fewer, larger passes."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


DEFAULT_CONNECTIONS = 2
TURN_WAIT_SECONDS = 600.0


class _Turn:
    """A chunk's progress, for the chunk after it on the other connection.

    Chunks run two at a time, on two connections, but every step that other chunks' rows or
    locks bear on keeps file order: chunk k

    1. starts its checks only once chunk k-1 is committed if they share a projectNo or an
       idempotency key (its rules must see those rows: repeats, replays, follow-ups); other
       chunks' checks need nothing of k-1 and run while k-1 inserts and commits;
    2. inserts only once k-1 has inserted, so no row lock k-1 still needs (rollup counts, the
       summaries other apps keep by trigger) is taken by k first: k may wait for k-1's
       commit there, never the other way round (no deadlock);
    3. runs the hooks (rectifications, audit, jobs) and commits only once k-1 has committed,
       and rolls back if k-1 failed: what is committed is always a prefix of the file, as
       with one connection, so the checkpoint and resume keep their meaning.
    """

    def __init__(self, keys: frozenset[str], stopped: threading.Event) -> None:
        self.keys = keys
        self.stopped = stopped  # the import stopped on an error: roll back
        self.inserted = threading.Event()
        self.committed = threading.Event()
        self.ok = False

    def done(self, *, ok: bool) -> None:
        self.ok = ok
        self.inserted.set()
        self.committed.set()

    def wait(self, event: threading.Event) -> None:
        if not event.wait(TURN_WAIT_SECONDS):
            raise DatabaseError("The previous chunk of the import did not finish in time.")
        if self.stopped.is_set():
            raise DatabaseError("The import stopped on an error; this chunk is rolled back.")

    def wait_committed(self) -> None:
        self.wait(self.committed)
        if not self.ok:
            raise DatabaseError("The previous chunk of the import failed; this one is rolled back.")


def _chunk_turn(
    prepared: _Prepared, previous: _Turn | None, turn: _Turn
) -> tuple[int, int, list[dict]]:
    try:
        if previous is not None and not previous.keys.isdisjoint(turn.keys):
            previous.wait_committed()
        outcome = _chunk_fast(
            prepared.records, prepared.copy_data, prepared.shape, previous=previous, turn=turn
        )
    except BaseException:
        turn.done(ok=False)
        raise
    turn.done(ok=True)
    return outcome


def _outcome(prepared: _Prepared, future: Future) -> tuple[_Prepared, tuple[int, int, list[dict]]]:
    return prepared, future.result()


class _Connections:
    """``n`` threads, each with its own database connection (Django's are per thread), each
    running the jobs given to it in order; the connections are closed at the end."""

    def __init__(self, n: int, language: str | None) -> None:
        self.language = language
        self.queues: list[queue.SimpleQueue] = [queue.SimpleQueue() for _i in range(n)]
        self.threads = [
            threading.Thread(target=self._run, args=(q,), name=f"import-db-{i}", daemon=True)
            for i, q in enumerate(self.queues)
        ]

    def __enter__(self) -> _Connections:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for q in self.queues:
            q.put(None)
        for t in self.threads:
            t.join()

    def submit(self, i: int, job: Callable[[], Any]) -> Future:
        future: Future = Future()
        self.queues[i].put((job, future))
        return future

    def _run(self, jobs: queue.SimpleQueue) -> None:
        try:
            with translation.override(self.language):
                while (item := jobs.get()) is not None:
                    job, future = item
                    try:
                        future.set_result(job())
                    except BaseException as exc:  # handed to the main thread
                        future.set_exception(exc)
        finally:
            connection.close()


Item = tuple[int, dict[str, Any] | None, str]
RAMP_MIN = 1000


def _chunks(
    items: Iterator[Item], *, done_line: int, size: int
) -> Iterator[tuple[int, list[Item]]]:
    """(lines skipped before the checkpoint, up to ``size`` lines after it) per chunk.

    Large chunks start small (an eighth, a quarter, a half of ``size``, none under
    ``RAMP_MIN``): the database waits only for the first chunk's parsing, which the helper
    thread cannot overlap with anything."""
    ramp = [s for s in (size // 8, size // 4, size // 2) if s >= RAMP_MIN]
    limit = ramp.pop(0) if ramp else size
    skipped = 0
    chunk: list[Item] = []
    for item in items:
        if item[0] <= done_line:
            skipped += 1
            continue
        chunk.append(item)
        if len(chunk) >= limit:
            yield skipped, chunk
            skipped, chunk = 0, []
            limit = ramp.pop(0) if ramp else size
    if chunk or skipped:
        yield skipped, chunk


@dataclass
class _Prepared:
    skipped: int
    lines: int
    last_line: int
    errors: list[dict[str, Any]]
    records: list[Any]  # generic: (line, normalised record); fast: staging rows ready to COPY
    copy_data: bytes = b""  # fast: the staging rows in COPY text format
    shape: frozenset[str] | None = None  # fast: their chunk_shape
    keys: frozenset[str] = frozenset()  # fast: their projectNos and idempotency keys


def _prepare(skipped, chunk, *, tag, fast_path, versions, option_levels) -> _Prepared:
    errors: list[dict[str, Any]] = []
    records: list[tuple[int, dict[str, Any]]] = []
    for line_no, record, message in chunk:
        if record is None:
            if message:
                errors.append(
                    {"line": line_no, "status": 422, "code": "invalid_input", "message": message}
                )
            continue
        record = normalize(record)
        if not record.get("idempotencyKey"):
            record["idempotencyKey"] = f"imp:{tag}:{line_no}"
        records.append((line_no, record))
    prepared = _Prepared(skipped, len(chunk), chunk[-1][0] if chunk else 0, errors, records)
    if fast_path:
        prepared.records = _rows_checked(records, versions, option_levels, errors)
        prepared.copy_data = copy_text(prepared.records)
        prepared.shape = chunk_shape(prepared.records)
        prepared.keys = chunk_keys(prepared.records)
    return prepared


def _apply(prepared: _Prepared, fast_path: bool) -> tuple[int, int, list[dict]]:
    if fast_path:
        return _chunk_fast(prepared.records, prepared.copy_data, prepared.shape)
    return _chunk_generic(prepared.records)


def _record(
    prepared: _Prepared, outcome: tuple[int, int, list[dict]], errors_file, report: ImportReport
) -> None:
    """A committed chunk's counts and error lines."""
    imported, replayed, row_errors = outcome
    report.skipped += prepared.skipped
    report.lines += prepared.lines
    errors = prepared.errors + row_errors
    report.imported += imported
    report.replayed += replayed
    report.failed += len(errors)
    for e in sorted(errors, key=lambda e: e["line"]):
        errors_file.write(json.dumps(e, ensure_ascii=False) + "\n")
    errors_file.flush()


def _chunk_generic(records: list[tuple[int, dict[str, Any]]]) -> tuple[int, int, list[dict]]:
    imported = replayed = 0
    errors = []
    with transaction.atomic():
        for line_no, record in records:
            try:
                result = record_submit(record)
            except ApplicationError as exc:
                errors.append(
                    {
                        "line": line_no,
                        "status": exc.status,
                        "code": str(exc.code),
                        "message": str(exc.message),
                        **({"errors": exc.extra["errors"]} if exc.extra.get("errors") else {}),
                    }
                )
                continue
            if result.created:
                imported += 1
            else:
                replayed += 1
    return imported, replayed, errors


# --- PostgreSQL fast path --------------------------------------------------------------------

_STAGING_COLUMNS = [
    ("line_no", "integer"),
    ("project_no", "text"),
    ("task_code", "text"),
    ("dept_code", "text"),
    ("level", "text"),
    ("channel", "text"),
    ("stage", "text"),
    ("assess_number", "smallint"),
    ("option_codes", "jsonb"),
    ("text", "text"),
    ("other_text", "text"),
    ("is_paper", "boolean"),
    ("is_staff_entered", "boolean"),
    ("is_system_default", "boolean"),
    ("content_version_id", "bigint"),
    ("evaluator_type", "text"),
    ("evaluator_name", "text"),
    ("evaluator_cert_no", "text"),
    ("evaluator_mobile", "text"),
    ("is_anonymous", "boolean"),
    ("language", "text"),
    ("device_id", "text"),
    ("idempotency_key", "text"),
    ("assessed_at", "timestamptz"),
    ("is_public", "boolean"),
    ("receipt", "text"),
]
_COMPUTED_COLUMNS = [
    ("case_id", "bigint"),
    ("unit_id", "bigint"),
    ("item_id", "bigint"),
    ("window_id", "bigint"),
    ("staff_id", "bigint"),
    ("accepted_at", "timestamptz"),
    ("completed_at", "timestamptz"),
    ("item_code", "text"),
    ("case_unit_code", "text"),
    ("item_unit_code", "text"),
    ("err", "smallint"),  # the first rule the line breaks: an index into _rules()
    ("replay", "boolean"),
]
_TEXT_MAX_RE = re.compile(r"^\d+$")


def _row_checks(
    line_no: int,
    r: dict[str, Any],
    versions,
    option_levels,
    rules: dict[str, Any],
    current,
    receipt: str,
):
    """The per-row rules that need no database; returns (row tuple, None) or (None, errors)."""
    errors: dict[str, list[str]] = {}

    def err(f: str, m: str) -> None:
        errors.setdefault(f, []).append(m)

    project_no = str(r.get("projectNo") or "")
    dept_code = str(r.get("deptCode") or "")
    if not project_no and not dept_code:
        err(
            "projectNo",
            _("Give the projectNo of the case (or a deptCode for a rating without a case)."),
        )
    level = level_value = None
    satisfaction = r.get("satisfaction")
    if satisfaction.__class__ is not int:  # int(), as before: "3", 3.0 and true give 3, 3, 1
        try:
            satisfaction = int(satisfaction)  # type: ignore[arg-type]  # TypeError caught
        except (TypeError, ValueError, OverflowError):  # Overflow: Infinity, 1e400
            satisfaction = None
    if satisfaction in _WIRE_LEVELS:
        level, level_value = _WIRE_LEVELS[satisfaction]
    else:
        err("satisfaction", _("The satisfaction is 1 (very dissatisfied) to 5 (very satisfied)."))
    channel = str(r.get("pf", ""))
    if channel not in CHANNELS:
        err("pf", _("Unknown channel code: use 1 to 7."))
    assessed_at = None
    try:
        assessed_at = fast_wire_time(str(r.get("assessTime") or "").strip())
    except ValueError:
        err("assessTime", _("Use the format yyyy-MM-dd HH:mm:ss (Beijing time)."))
    user_prop = str(r.get("userProp") or _PERSON)
    if user_prop not in EVALUATOR_TYPES:
        err("userProp", _("The userProp is 1 (natural person), 2 (legal person) or 9 (other)."))
    stage = r.get("stage") or _COMPLETION
    if stage not in STAGES:
        err("stage", _("The stage is acceptance or completion."))
    version = versions.get(str(r["contentVersion"])) if r.get("contentVersion") else current
    if version is None:
        err("contentVersion", _("Unknown content version."))
    public_flag = str(r.get("publicFlag", 1))
    if public_flag not in ("0", "1"):
        err("publicFlag", _("The publicFlag is 0 or 1."))
    try:
        assess_number = int(r.get("assessNumber") or 1)
    except (TypeError, ValueError, OverflowError):
        assess_number = 0
    if assess_number not in (1, 2):
        err("assessNumber", _("The assess number is 1 (first rating) or 2 (follow-up)."))
    raw_codes = r.get("evalDetail")
    seen_key = (
        (raw_codes, version and version.id, level)
        if raw_codes is None or type(raw_codes) is str
        else None
    )
    checked = rules["codes_seen"].get(seen_key) if seen_key else None
    if checked is None:
        checked = _codes_checked(raw_codes, version, level, option_levels, rules["MAX_OPTIONS"])
        if seen_key:
            rules["codes_seen"][seen_key] = checked
    codes, codes_text, code_errors = checked
    for message in code_errors:
        err("evalDetail", message)
    text = str(r.get("writingEvaluation") or "")
    other = str(r.get("otherEvaluation") or "")
    text_max = rules["RATING_TEXT_MAX"]
    if len(text) > text_max:
        err(
            "writingEvaluation",
            _("The written evaluation is too long (at most %(n)d characters).") % {"n": text_max},
        )
    if len(other) > text_max:
        err(
            "otherEvaluation",
            _("The other reason is too long (at most %(n)d characters).") % {"n": text_max},
        )
    is_default = bool(r.get("systemDefault"))
    if (
        rules["BAD_RATING_NEEDS_REASON"]
        and level in BAD_LEVELS
        and not codes
        and not text.strip()
        and not other.strip()
        and not is_default
    ):
        err(
            "evalDetail", _("A bad review needs at least one reason code or a written explanation.")
        )
    if assessed_at is not None and assessed_at > rules["latest"]:
        err("assessTime", _("The assessment time lies in the future."))
    anonymous = bool(r.get("anonymous"))
    name = "" if anonymous else str(r.get("userName") or "")
    cert = "" if anonymous else str(r.get("certKey") or "").upper()
    mobile = "" if anonymous else str(r.get("mobile") or "")
    if cert:
        try:
            (validate_id_number if user_prop == EvaluatorType.PERSON else validate_credit_code)(
                cert
            )
        except ValidationError as exc:
            errors.setdefault("certKey", []).extend(str(m) for m in exc.messages)
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            errors.setdefault("mobile", []).extend(str(m) for m in exc.messages)
    if len(name) > 200:
        err("userName", _("The name is too long (at most 200 characters)."))
    language = str(r.get("language") or "")
    if language not in LANGUAGES:
        err("language", _("Unknown language."))
    device_id = str(r.get("deviceId") or "")
    if len(device_id) > 64:
        err("deviceId", _("The device id is too long (at most 64 characters)."))
    key = str(r.get("idempotencyKey") or "")
    if len(key) > 64:
        err("idempotencyKey", _("The idempotency key is too long (at most 64 characters)."))
    if errors:
        return None, errors
    row = (
        line_no,
        project_no,
        str(r.get("taskCode") or ""),
        dept_code,
        level_value,
        channel,
        stage,
        assess_number,
        codes_text,
        text,
        other,
        bool(r.get("paperForm")),
        bool(r.get("staffEntered")),
        is_default,
        version.id,  # type: ignore[union-attr]  # None gave an error above
        user_prop,
        name,
        cert,
        mobile,
        anonymous,
        language,
        device_id,
        key,
        assessed_at,
        public_flag == "1",
        receipt,
    )
    return row, None


def _codes_checked(
    raw: Any, version: ContentVersion | None, level: Level | None, option_levels, max_options: int
) -> tuple[list[str], str, list[str]]:
    """A line's reason codes (``evalDetail``): the codes, the JSON the staging column takes and
    the messages of the rules they break. A chunk has few distinct values, so ``_row_checks``
    keeps each value's result."""
    codes = split_codes(raw)
    errors: list[str] = []
    if len(set(codes)) != len(codes):
        errors.append(_("A reason code is given twice."))
    if len(codes) > max_options:
        errors.append(_("Too many reason codes."))
    if version is not None and level is not None:
        levels = option_levels[version.pk]
        for code in codes:
            lv = levels.get(code)
            if lv is None:
                errors.append(
                    _("This reason code is not in the content version: %(code)s") % {"code": code}
                )
            elif lv != level:
                errors.append(
                    _("This reason code belongs to another level: %(code)s") % {"code": code}
                )
    return codes, json.dumps(codes), errors


def versions_current(versions: dict[str, ContentVersion]) -> ContentVersion | None:
    return next((v for v in versions.values() if v.is_current), None)


def _prep_converters() -> list[tuple[int, Callable[[Any], Any]]]:
    """(staging column index, the Rating field's ``get_db_prep_value`` as a one-argument
    function) for every column that holds a Rating field whose value the database must not see
    as Python has it: custom fields (encrypted identifiers, for instance). Stock Django fields
    pass their Python value through unchanged on PostgreSQL (psycopg adapts str, int, bool,
    datetime), so they are skipped to keep the per-row cost down; the JSON codes are already
    serialised. A field with ``bulk_db_prep`` gives its own faster function."""
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, (name, _type) in enumerate(_STAGING_COLUMNS):
        try:
            field = Rating._meta.get_field(name.removesuffix("_id"))
        except FieldDoesNotExist:
            continue
        if type(field).__module__.startswith("django."):
            continue
        bulk = getattr(field, "bulk_db_prep", None)
        out.append(
            (i, bulk())
            if bulk
            else (i, functools.partial(field.get_db_prep_value, connection=connection))
        )
    return out


def _rows_checked(records, versions, option_levels, errors: list[dict]) -> list[Any]:
    """The per-row rules (no database) of a chunk: staging rows for the valid lines, and an
    error entry in ``errors`` for each other line."""
    rules = {
        name: rating_setting(name)
        for name in (
            "MAX_OPTIONS",
            "RATING_TEXT_MAX",
            "BAD_RATING_NEEDS_REASON",
            "CLOCK_SKEW_SECONDS",
        )
    }
    rules["latest"] = now() + dt.timedelta(seconds=rules["CLOCK_SKEW_SECONDS"])
    rules["codes_seen"] = {}  # _row_checks: each distinct evalDetail's result
    current = versions_current(versions)
    converters = _prep_converters()
    # Each converter's values within the chunk: a value repeats often (a name, an empty field)
    # and the converters are deterministic (AES-SIV encryption: equal plaintexts, equal stored
    # forms, which the equality look-ups rely on), so each distinct value is converted once.
    prepped: list[dict[Any, Any]] = [{} for _c in converters]
    rows: list[Any] = []
    receipts = receipts_new(len(records))
    for (line_no, record), receipt in zip(records, receipts, strict=True):
        row, row_errors = _row_checks(
            line_no, record, versions, option_levels, rules, current, receipt
        )
        if row_errors:
            errors.append(
                {
                    "line": line_no,
                    "status": 422,
                    "code": "invalid_input",
                    "message": _("Some fields are invalid."),
                    "errors": row_errors,
                }
            )
        elif converters:
            values = list(row)
            for (i, prep), seen in zip(converters, prepped, strict=True):
                value = values[i]
                if value in seen:
                    values[i] = seen[value]
                else:
                    values[i] = seen[value] = prep(value)
            rows.append(values)
        else:
            rows.append(row)
    return rows


def copy_text(rows: list[Any]) -> bytes:
    """``rows`` in COPY text format, as psycopg's ``Copy.write_row`` formats them (its own
    formatter and default dumpers), so the helper thread does it and the COPY only sends."""
    from psycopg._copy_base import format_row_text  # what Copy.write_row calls (C if built)
    from psycopg.adapt import Transformer

    tx = Transformer()
    out = bytearray()
    for row in rows:
        format_row_text(row, tx, out)
    return bytes(out)


def _chunk_fast(
    rows: list[Any],
    copy_data: bytes = b"",
    shape: frozenset[str] | None = None,
    *,
    previous: _Turn | None = None,
    turn: _Turn | None = None,
) -> tuple[int, int, list[dict]]:
    """The database part of a chunk, in one transaction: COPY, set-based rules, insert, hooks.
    ``copy_data`` and ``shape``: the rows already formatted (``copy_text``) and their
    ``chunk_shape``, else they are worked out here. ``previous`` and ``turn``: the chunk
    before this one on another connection and this chunk's own progress (``_Turn``)."""
    at = now()
    errors: list[dict] = []
    if not rows:
        if previous is not None:
            previous.wait_committed()
        return 0, 0, errors
    rule_list = _rules()
    if shape is None:
        shape = chunk_shape(rows)
    with transaction.atomic(), connection.cursor() as cur:
        # The chunk's sorts (insert order, window functions over the staging rows) in memory.
        cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cols = ", ".join(f"{n} {t}" for n, t in _STAGING_COLUMNS + _COMPUTED_COLUMNS)
        _temp_buffers(cur)
        # One staging table per session, emptied at each commit (cheaper than creating and
        # dropping it per chunk); emptied here too for callers inside an outer transaction.
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ({cols}) ON COMMIT DELETE ROWS")
        cur.execute(f"DELETE FROM {STAGING}")  # noqa: S608
        names = ", ".join(n for n, _t in _STAGING_COLUMNS)
        with cur.cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            copy.write(copy_data or copy_text(rows))
        _set_based_checks(cur, rule_list, shape)
        # the lines that break a rule, and the replays, in one scan
        cur.execute(
            f"SELECT line_no, err FROM {STAGING} WHERE err IS NOT NULL OR replay"  # noqa: S608
            f" ORDER BY line_no"
        )
        found = cur.fetchall()
        replayed = sum(1 for _line, rule in found if rule is None)
        for line_no, rule in found:
            if rule is None:
                continue
            status, field_name, message = rule_list[rule][1:]
            entry: dict[str, Any] = {"line": line_no, "status": status}
            if status == 422:
                entry.update(
                    code="invalid_input",
                    message=_("Some fields are invalid."),
                    errors={field_name: [message]},
                )
            else:
                entry.update(code=field_name, message=message)
            errors.append(entry)
        if previous is not None:
            previous.wait(previous.inserted)
        inserted = _insert_valid(cur, at)
        if turn is not None:
            turn.inserted.set()
        if previous is not None:
            previous.wait_committed()
        # Still in the chunk's transaction: every valid bad review opens its rectification
        # (set-based: what bad_review_received does one by one for rating_submit), and the
        # chunk's hooks run; a failure in any of them rolls the whole chunk back, so nothing
        # is imported without them.
        bad = [pk for pk, level, default in inserted if level in BAD_LEVELS and not default]
        if bad:
            ratings = list(Rating.objects.filter(pk__in=bad).select_related("case").order_by("pk"))
            bad_reviews_imported.send(sender=Rating, ratings=ratings)
        ids = [pk for pk, _level, _default in inserted]
        if ids:
            ratings_imported.send(sender=Rating, rating_ids=ids)
    return len(inserted), replayed, errors


STAGING = "hcp_import_staging"
WORK_MEM = "64MB"
TEMP_BUFFERS = "128MB"


def _temp_buffers(cur) -> None:
    """Room for a whole chunk in the session's temporary-table buffers (8 MB by default, which
    a chunk of 20,000 lines outgrows, so its updates went through temporary files). PostgreSQL
    takes this only before the session's first temporary table: later it keeps what it has."""
    cur.execute("SELECT to_regclass(%s) IS NULL", [f"pg_temp.{STAGING}"])
    if not cur.fetchone()[0]:
        return
    try:
        with transaction.atomic():
            cur.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        pass  # another temporary table came first in this session


def _rules() -> list[tuple[str, int, str, str]]:
    """The set-based rules in the order they are checked: (name, status, field or code, message).
    A line reports the first rule it breaks (``err`` is the rule's index)."""
    return [
        ("no_case", 422, "projectNo", _("No case has this projectNo.")),
        ("no_unit", 422, "deptCode", _("No unit has this deptCode.")),
        ("task", 422, "taskCode", _("The taskCode does not match the case's service item.")),
        ("dept", 422, "deptCode", _("The deptCode does not match the case's unit.")),
        (
            "before_accepted",
            422,
            "assessTime",
            _("The assessment time is before the case was accepted."),
        ),
        (
            "not_completed",
            422,
            "stage",
            _("The case is not completed yet, so it cannot be rated at completion."),
        ),
        (
            "before_completed",
            422,
            "assessTime",
            _("The assessment time is before the case was completed."),
        ),
        ("window_ended", 422, "assessTime", _("The rating period for this case has ended.")),
        (
            "conflict",
            409,
            "conflict",
            _("This idempotency key was already used for another rating."),
        ),
        (
            "already_rated",
            409,
            "already_rated",
            _("This case has already been rated at this stage."),
        ),
        (
            "follow_up",
            422,
            "assessNumber",
            _("A follow-up rating is only possible after a bad review of the same case and stage."),
        ),
    ]


_COL = {name: i for i, (name, _type) in enumerate(_STAGING_COLUMNS)}


def _keys_table(cur) -> str:
    """Where the ratings' unique keys (case, stage, number; idempotency key) are looked up:
    the narrow ``ratings_ratingkey`` once ratings are partitioned by month (one unique index
    instead of one index per partition; ``ratings/partitions.py``), else the ratings table."""
    from haochaping.ratings.partitions import KEY_TABLE

    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [KEY_TABLE])
    return KEY_TABLE if cur.fetchone()[0] else Rating._meta.db_table


def _by_index(cur, sql: str) -> None:
    """``sql`` (a join of the staging table with cases or ratings) with nested-loop index
    lookups: the staging table has no statistics, and a hash join would read the whole cases
    or ratings table for each chunk (its cost growing with the table, not the chunk)."""
    cur.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
    cur.execute(sql)
    cur.execute("SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT")


def chunk_shape(rows: list[Any]) -> frozenset[str]:
    """Which of the rules that look at other lines of the chunk can apply to it at all: a
    statement whose rule cannot is skipped (its UPDATE would change no row).

    - ``comments``: a line without projectNo (its unit comes from deptCode);
    - ``key_repeats``: an idempotency key on two lines (a replay within the chunk);
    - ``case_repeats``: a projectNo, stage and assess number on two lines (projectNo is unique
      among cases, so two lines of one case share it);
    - ``follow_ups``: a line with assess number 2."""
    project, stage, number, key = (
        _COL["project_no"],
        _COL["stage"],
        _COL["assess_number"],
        _COL["idempotency_key"],
    )
    shape = set()
    keys = [row[key] for row in rows if row[key]]
    if len(set(keys)) < len(keys):
        shape.add("key_repeats")
    ratings = [(row[project], row[stage], row[number]) for row in rows if row[project]]
    if len(ratings) < len(rows):
        shape.add("comments")
    if len(set(ratings)) < len(ratings):
        shape.add("case_repeats")
    if any(row[number] == 2 for row in rows):
        shape.add("follow_ups")
    return frozenset(shape)


def chunk_keys(rows: list[Any]) -> frozenset[str]:
    """The projectNos and idempotency keys of a chunk's rows: a later chunk sharing none of
    them breaks no rule through this chunk's rows (see ``_Turn``)."""
    project, key = _COL["project_no"], _COL["idempotency_key"]
    return frozenset(
        [row[project] for row in rows if row[project]]
        + ["\x00" + row[key] for row in rows if row[key]]
    )


ALL_SHAPES = frozenset({"comments", "key_repeats", "case_repeats", "follow_ups"})


def _set_based_checks(cur, rule_list, shape: frozenset[str] = ALL_SHAPES) -> None:
    """The rules that need the database, as a few statements over the whole chunk (those the
    chunk's ``shape`` rules out are skipped).

    No self-joins (window functions instead), so the staging table needs no ANALYZE; lookups
    into cases and ratings go through their unique indexes."""
    r = {name: i for i, (name, *_rest) in enumerate(rule_list)}
    skew = f"{int(rating_setting('CLOCK_SKEW_SECONDS'))} seconds"
    window = f"{int(rating_setting('RATING_WINDOW_DAYS'))} days"
    s = STAGING
    rating_t = Rating._meta.db_table
    keys_t = _keys_table(cur)
    bad_levels = sorted(BAD_LEVELS)
    # 1. the case of each line, and every rule about the case, in one pass
    _by_index(
        cur,
        f"UPDATE {s} SET case_id = c.id, unit_id = c.unit_id, item_id = c.item_id, "  # noqa: S608
        f"window_id = c.window_id, staff_id = c.staff_id, err = CASE"
        f" WHEN {s}.task_code <> '' AND {s}.task_code <> i.task_code THEN {r['task']}"
        f" WHEN {s}.dept_code <> '' AND {s}.dept_code <> cu.credit_code"
        f"  AND {s}.dept_code <> iu.credit_code THEN {r['dept']}"
        f" WHEN {s}.assessed_at < c.accepted_at - interval '{skew}' THEN {r['before_accepted']}"
        f" WHEN {s}.stage = 'completion' AND c.completed_at IS NULL THEN {r['not_completed']}"
        f" WHEN {s}.stage = 'completion' AND {s}.assessed_at < c.completed_at - interval '{skew}'"
        f"  THEN {r['before_completed']}"
        f" WHEN {s}.stage = 'completion' AND {s}.assess_number = 1"
        f"  AND {s}.assessed_at > c.completed_at + interval '{window}' THEN {r['window_ended']}"
        f" END"
        f" FROM cases_case c JOIN catalog_serviceitem i ON i.id = c.item_id"
        f" JOIN org_unit cu ON cu.id = c.unit_id JOIN org_unit iu ON iu.id = i.unit_id"
        f" WHERE {s}.project_no <> '' AND c.project_no = {s}.project_no",
    )
    if "comments" in shape:
        cur.execute(
            f"UPDATE {s} SET unit_id = u.id FROM org_unit u "  # noqa: S608
            f"WHERE {s}.project_no = '' AND u.credit_code = {s}.dept_code"
        )
    cur.execute(
        f"UPDATE {s} SET err = CASE WHEN project_no <> '' THEN {r['no_case']} "  # noqa: S608
        f"ELSE {r['no_unit']} END WHERE case_id IS NULL AND unit_id IS NULL"
    )
    # 2. replays: the idempotency key is known already (same case and stage: a replay; else a
    # conflict) in the database ...
    _by_index(
        cur,
        f"UPDATE {s} SET replay = (r.case_id IS NOT DISTINCT FROM {s}.case_id "  # noqa: S608
        f"AND r.stage = {s}.stage) FROM {keys_t} r WHERE {s}.err IS NULL "
        f"AND {s}.idempotency_key <> '' AND r.idempotency_key <> '' "
        f"AND r.idempotency_key = {s}.idempotency_key",
    )
    # ... or on an earlier line of this chunk
    if "key_repeats" in shape:
        cur.execute(
            f"UPDATE {s} SET replay = (o.first_case IS NOT DISTINCT FROM {s}.case_id "  # noqa: S608
            f"AND o.first_stage = {s}.stage) FROM ("
            f" SELECT line_no, row_number() OVER w AS n, first_value(case_id) OVER w AS first_case,"
            f" first_value(stage) OVER w AS first_stage FROM {s}"
            f" WHERE err IS NULL AND idempotency_key <> ''"
            f" WINDOW w AS (PARTITION BY idempotency_key ORDER BY line_no)"
            f") o WHERE o.n > 1 AND o.line_no = {s}.line_no AND {s}.replay IS NULL"
        )
    # 3. one rating per case, stage and number: in the database, then within the chunk
    cur.execute(
        f"UPDATE {s} SET err = CASE WHEN replay = false THEN {r['conflict']} "  # noqa: S608
        f"ELSE {r['already_rated']} END WHERE err IS NULL AND (replay = false OR (replay IS NULL "
        f"AND case_id IS NOT NULL AND EXISTS (SELECT 1 FROM {keys_t} r WHERE "
        f"r.case_id = {s}.case_id AND r.stage = {s}.stage AND r.assess_number = {s}.assess_number)))"
    )
    if "case_repeats" in shape:
        cur.execute(
            f"UPDATE {s} SET err = {r['already_rated']} FROM ("  # noqa: S608
            f" SELECT line_no, row_number() OVER (PARTITION BY case_id, stage, assess_number"
            f" ORDER BY line_no) AS n FROM {s}"
            f" WHERE err IS NULL AND replay IS NULL AND case_id IS NOT NULL"
            f") o WHERE o.n > 1 AND o.line_no = {s}.line_no"
        )
    # 4. a follow-up needs a bad first rating of the case and stage (stored, or in this chunk)
    if "follow_ups" not in shape:
        return
    cur.execute(
        f"UPDATE {s} SET err = {r['follow_up']} FROM ("  # noqa: S608
        f" SELECT line_no, assess_number, bool_or(assess_number = 1 AND level = ANY(%s))"
        f" OVER (PARTITION BY case_id, stage) AS bad_first FROM {s}"
        f" WHERE err IS NULL AND replay IS NULL AND case_id IS NOT NULL"
        f") o WHERE o.line_no = {s}.line_no AND o.assess_number = 2 AND NOT o.bad_first"
        f" AND NOT EXISTS (SELECT 1 FROM {rating_t} r WHERE r.case_id = {s}.case_id"
        f" AND r.stage = {s}.stage AND r.assess_number = 1 AND r.level = ANY(%s))",
        [bad_levels, bad_levels],
    )


_INSERT_FIELDS = [
    "case_id",
    "unit_id",
    "item_id",
    "window_id",
    "staff_id",
    "stage",
    "assess_number",
    "level",
    "option_codes",
    "text",
    "other_text",
    "channel",
    "is_paper",
    "is_staff_entered",
    "is_system_default",
    "content_version_id",
    "evaluator_type",
    "evaluator_name",
    "evaluator_cert_no",
    "evaluator_mobile",
    "is_anonymous",
    "language",
    "device_id",
    "idempotency_key",
    "assessed_at",
    "receipt",
    "is_public",
]


def _insert_valid(cur, at: dt.datetime) -> list[tuple[int, str, bool]]:
    """One statement: the chunk's valid lines into ratings, their rollup counts aggregated per
    key into one upsert, and the bad reviews' timeline rows. Returns (id, level, default)."""
    rating_t = Rating._meta.db_table
    rollup_t = RatingRollup._meta.db_table
    event_t = RatingEvent._meta.db_table
    # Every other column gets its field's default, as Model.save() would give it (a column
    # added to Rating later, with a Python-side default, keeps working here).
    fixed = {*_INSERT_FIELDS, "source_client_id", "received_at", "validity", "excluded_reason"}
    others = [
        f for f in Rating._meta.concrete_fields if f.column not in fixed and not f.primary_key
    ]
    cols = ", ".join(_INSERT_FIELDS + [f.column for f in others])
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in others]
    select_cols = ", ".join(_INSERT_FIELDS + ["%s"] * len(others))
    rollup_key = (
        "day, unit_id, item_key, window_key, staff_key, channel, level, origin, assess_number"
    )
    sql = (
        f"WITH ins AS ("  # noqa: S608
        f" INSERT INTO {rating_t} ({cols}, source_client_id, received_at, validity, excluded_reason)"
        f" SELECT {select_cols}, NULL, %s, 'valid', '' FROM {STAGING}"
        f" WHERE err IS NULL AND replay IS NULL"
        f" ORDER BY line_no"
        f" RETURNING id, receipt, case_id, unit_id, item_id, window_id, staff_id, channel, level,"
        f" assess_number, is_paper, is_staff_entered, is_system_default, assessed_at"
        f"), roll AS ("
        f" INSERT INTO {rollup_t} ({rollup_key}, count)"
        f" SELECT (assessed_at AT TIME ZONE %s)::date, unit_id, coalesce(item_id, 0),"
        f" coalesce(window_id, 0), coalesce(staff_id, 0), channel, level,"
        f" {origin_sql()}, assess_number, count(*)"
        f" FROM ins GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
        f" ON CONFLICT ({rollup_key}) DO UPDATE SET count = {rollup_t}.count + excluded.count"
        f"), ev AS ("
        f" INSERT INTO {event_t} (rating_id, type, payload, acting_user_id, created_at)"
        f" SELECT ins.id, %s, jsonb_build_object('receipt', ins.receipt, 'case', c.project_no),"
        f" NULL, %s FROM ins LEFT JOIN cases_case c ON c.id = ins.case_id"
        f" WHERE ins.level = ANY(%s) AND NOT ins.is_system_default"
        f") SELECT id, level, is_system_default FROM ins ORDER BY id"
    )
    cur.execute(sql, [*defaults, at, str(LOCAL_TZ), BAD_REVIEW_RECEIVED, at, sorted(BAD_LEVELS)])
    return cur.fetchall()


def render_progress(report: ImportReport, done: int, total: int, *, stream: io.TextIOBase) -> None:
    width = 30
    share = done / total if total else 1.0
    bar = "#" * int(share * width) + "-" * (width - int(share * width))
    stream.write(
        f"\r[{bar}] {share:6.1%} {done}/{total} lines  imported {report.imported}  replayed {report.replayed}"
        f"  failed {report.failed}  {report.records_per_second:,.0f} rec/s"
    )
    stream.flush()
