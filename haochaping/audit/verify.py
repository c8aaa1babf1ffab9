"""``haochaping audit verify``: recompute the chain and every rating's content hash; name each break.

Detects (one :class:`Finding` each, naming the row or rating):

- ``row_changed``: an audit row whose content no longer gives its hash;
- ``row_relinked``: a row whose ``prev_hash`` is not the previous row's hash (rows rewritten);
- ``rows_missing``: a gap in the sequence (rows deleted);
- ``tail_truncated`` / ``head_changed``: the chain ends before, or differs from, the head the
  sealer recorded, a published day head or a head given with ``--head SEQ:HASH``;
- ``sealer_lag``: rows left unsealed longer than the allowed minutes;
- ``chain_broken``: the sealer refused to extend the chain;
- ``rating_changed``: a rating whose content no longer gives its stored content hash, or whose
  evaluator identity changed;
- ``identity_removed``: an evaluator identity blanked before the retention period (blanking after
  it is the retention job's anonymisation and is counted, not reported);
- ``rating_deleted``: a rating listed in a sealed batch that no longer exists (unless the
  deletion itself is an audited write);
- ``batch_changed``: a sealed batch whose digest no longer matches its ratings (also catches a
  rating changed together with its stored hash);
- ``rating_unlisted``: a rating with a content hash that no sealed batch lists (forged hash or
  truncated chain).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field

from haochaping.audit.hashing import (
    batch_line,
    id_ranges,
    is_anonymised,
    range_ids,
    rating_content_hash,
    rating_identity_hash,
    record_hash,
)
from haochaping.audit.models import AuditRecord, ChainState, DayHead
from haochaping.audit.sealer import RATINGS_SEALED, ChainBroken, audit_seal, rating_values
from haochaping.core.clock import now
from haochaping.privacy.retention import cutoff_for, default_years
from haochaping.ratings.models import Rating

CHUNK = 2000


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass
class Batch:
    seq: int
    ranges: list[list[int]]
    count: int
    digest: str
    running: hashlib._Hash = field(default_factory=hashlib.sha256)
    found: int = 0


@dataclass
class VerifyReport:
    findings: list[Finding] = field(default_factory=list)
    rows: int = 0
    ratings: int = 0
    batches: int = 0
    unsealed_ratings: int = 0
    anonymised_ratings: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, message: str) -> None:
        self.findings.append(Finding(kind, message))


def _check_lag(report: VerifyReport, minutes: int) -> None:
    late = AuditRecord.objects.filter(
        seq__isnull=True, created_at__lt=now() - dt.timedelta(minutes=minutes)
    )
    count = late.count()
    if count:
        oldest = late.order_by("id").values("id", "created_at")[0]
        report.add(
            "sealer_lag",
            f"{count} audit row{'' if count == 1 else 's'} unsealed for more than {minutes} minutes "
            f"(oldest id {oldest['id']}, written {oldest['created_at'].isoformat()})",
        )


def _walk_chain(
    report: VerifyReport, upto: int, wanted: set[int]
) -> tuple[dict[int, str], list[Batch], set[int], int]:
    """Check every sealed row up to ``upto``; return the hashes of the ``wanted`` seqs, the
    batches, the ratings deleted through the application and the last seq seen."""
    hashes: dict[int, str] = {}
    batches: list[Batch] = []
    deleted: set[int] = set()
    expected, prev_hash = 1, None
    rows = AuditRecord.objects.filter(seq__isnull=False, seq__lte=upto).order_by("seq")
    for row in rows.iterator(chunk_size=CHUNK):
        report.rows += 1
        seq = int(row.seq or 0)
        if seq != expected:
            span = (
                f"row seq {expected} is"
                if seq == expected + 1
                else f"rows seq {expected}–{seq - 1} are"
            )
            report.add("rows_missing", f"audit {span} missing (deleted)")
        elif prev_hash is not None and row.prev_hash != prev_hash:
            report.add(
                "row_relinked",
                f"audit row seq {seq} (id {row.pk}) does not follow seq {seq - 1}",
            )
        if record_hash(row.prev_hash, row) != row.hash:
            report.add(
                "row_changed",
                f"audit row seq {seq} (id {row.pk}, {row.action} {row.object_type}"
                f":{row.object_id}) was changed: its content does not give its hash",
            )
        if seq in wanted:
            hashes[seq] = row.hash
        if row.action == RATINGS_SEALED:
            changes = row.changes if isinstance(row.changes, dict) else {}
            batches.append(
                Batch(
                    seq=seq,
                    ranges=[list(r) for r in changes.get("ids", [])],
                    count=int(changes.get("count", 0)),
                    digest=str(changes.get("digest", "")),
                )
            )
        elif row.action == "delete" and row.object_type == "ratings.rating":
            deleted.add(int(row.object_id))
        expected, prev_hash = seq + 1, row.hash
    return hashes, batches, deleted, expected - 1


def _heads(
    state: ChainState | None, expected_heads: list[tuple[int, str]]
) -> list[tuple[str, int, str]]:
    """(label, seq, hash) of every head the chain must still contain."""
    named = [(f"the sealer's head (seq {state.seq})", state.seq, state.hash)] if state else []
    days = DayHead.objects.order_by("day")
    named += [(f"the published head of {h.day} (seq {h.seq})", h.seq, h.hash) for h in days]
    named += [(f"the given head seq {s}", s, h) for s, h in expected_heads]
    return named


def _check_heads(
    report: VerifyReport, hashes: dict[int, str], last: int, heads: list[tuple[str, int, str]]
) -> None:
    for label, seq, hash_ in heads:
        if seq == 0:
            continue
        if seq > last:
            report.add(
                "tail_truncated",
                f"the chain ends at seq {last} but {label} is later: rows {last + 1}–{seq} "
                "were removed",
            )
        elif seq in hashes and hashes[seq] != hash_:
            report.add("head_changed", f"{label} does not match the row's hash {hashes[seq]}")


class _BatchIndex:
    """Which batch lists a rating id (ranges sorted by start; overlaps kept aside)."""

    def __init__(self, batches: list[Batch]) -> None:
        spans = sorted((r[0], r[1], b) for b in batches for r in b.ranges)
        self.starts: list[int] = []
        self.spans: list[tuple[int, int, Batch]] = []
        self.overlapping: list[tuple[int, int, Batch]] = []
        for span in spans:
            if self.spans and span[0] <= self.spans[-1][1]:
                self.overlapping.append(span)
            else:
                self.spans.append(span)
                self.starts.append(span[0])

    def lookup(self, rating_id: int) -> list[Batch]:
        found = []
        i = bisect.bisect_right(self.starts, rating_id) - 1
        if i >= 0 and self.spans[i][0] <= rating_id <= self.spans[i][1]:
            found.append(self.spans[i][2])
        found += [b for s, e, b in self.overlapping if s <= rating_id <= e]
        return found


def _check_ratings(report: VerifyReport, batches: list[Batch], deleted: set[int]) -> None:
    index = _BatchIndex(batches)
    resealed: dict[int, list[int]] = {}
    unlisted: list[int] = []
    retention = cutoff_for(default_years())
    ratings = Rating.objects.order_by("id")
    for v in rating_values(ratings, "content_hash", "identity_hash"):
        report.ratings += 1
        actual = rating_content_hash(v, v["identity_hash"])
        stored = v["content_hash"]
        if not stored:
            report.unsealed_ratings += 1
        elif stored != actual:
            report.add(
                "rating_changed",
                f"rating id {v['id']} (receipt {v['receipt']}) was changed after it was sealed",
            )
        elif rating_identity_hash(v) != v["identity_hash"]:
            _check_identity(report, v, retention)
        listed = index.lookup(v["id"])
        if stored and not listed:
            unlisted.append(v["id"])
        if len(listed) > 1:
            resealed[v["id"]] = [b.seq for b in listed]
        for batch in listed:
            batch.found += 1
            batch.running.update(batch_line(v["id"], actual))
    for start, end in id_ranges(unlisted):
        what = f"rating id {start} has" if start == end else f"rating ids {start}–{end} have"
        report.add("rating_unlisted", f"{what} a content hash but no sealed batch lists them")
    for batch in batches:
        if batch.found < batch.count:
            _name_missing(report, batch, deleted)
        elif batch.running.hexdigest() != batch.digest:
            again = sorted(i for i, seqs in resealed.items() if batch.seq in seqs)
            hint = f"; sealed again later: rating ids {again}" if again else ""
            report.add(
                "batch_changed",
                f"ratings sealed in seq {batch.seq} no longer match its digest{hint}",
            )


def _check_identity(report: VerifyReport, v: dict, retention: dt.datetime) -> None:
    """The evaluator's identity differs from the sealed one: anonymised, or tampered with."""
    rating = f"rating id {v['id']} (receipt {v['receipt']})"
    if not is_anonymised(v):
        report.add("rating_changed", f"the evaluator identity of {rating} was changed")
    elif v["assessed_at"] >= retention:
        report.add(
            "identity_removed", f"the evaluator identity of {rating} was removed before retention"
        )
    else:
        report.anonymised_ratings += 1


def _name_missing(report: VerifyReport, batch: Batch, deleted: set[int]) -> None:
    listed = list(range_ids(batch.ranges))
    present = set(
        Rating.objects.filter(id__gte=listed[0], id__lte=listed[-1]).values_list("id", flat=True)
    )
    missing = [i for i in listed if i not in present and i not in deleted]
    for start, end in id_ranges(missing):
        ids = f"rating id {start} was" if start == end else f"rating ids {start}–{end} were"
        report.add("rating_deleted", f"{ids} deleted (sealed in seq {batch.seq})")


def audit_verify(
    *,
    seal: bool = True,
    max_unsealed_minutes: int = 10,
    expected_heads: list[tuple[int, str]] | None = None,
) -> VerifyReport:
    started = time.perf_counter()
    report = VerifyReport()
    _check_lag(report, max_unsealed_minutes)
    if seal:
        try:
            audit_seal()
        except ChainBroken as exc:
            report.add("chain_broken", f"the sealer refused to extend the chain: {exc}")
    state = ChainState.objects.filter(pk=1).first()
    upto = state.seq if state is not None else 0
    if state is None and AuditRecord.objects.filter(seq__isnull=False).exists():
        report.add("head_changed", "the sealer's head record was deleted")
        upto = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    heads = _heads(state, expected_heads or [])
    upto = max([upto, *(seq for _, seq, _ in heads)])
    hashes, batches, deleted, last = _walk_chain(report, upto, {seq for _, seq, _ in heads})
    _check_heads(report, hashes, last, heads)
    report.batches = len(batches)
    _check_ratings(report, batches, deleted)
    report.seconds = time.perf_counter() - started
    return report
