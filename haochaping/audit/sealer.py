"""The sealer: gives unsealed audit rows their chain position and hashes new ratings.

Writers never wait for it. Each pass, in one transaction under the lock of the ChainState row:

1. check that the chain head it remembers is still the last row (else :class:`ChainBroken`:
   a truncated or rewritten chain is reported, never silently extended);
2. hash up to ``max_ratings`` ratings that have no content hash yet (content and identity hash) (in id order, whatever
   wrote them: the API, a page, or the COPY bulk import), store the hashes and add one
   ``ratings.sealed`` row (ids as ranges, count, digest);
3. chain up to ``max_rows`` unsealed rows in id order: ``seq`` = head + 1 …,
   ``hash = sha256(prev_hash || canonical row)``; a row committed late just gets a later seq;
4. move the head and the day's published head.

Passes repeat until nothing is left. Run every minute by the ``audit-seal`` periodic job, and by
``haochaping audit seal`` / ``haochaping audit verify``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet, TextField
from django.db.models.functions import Cast

from haochaping.audit.context import current_source
from haochaping.audit.hashing import (
    IDENTITY_FIELDS,
    RATING_FIELDS,
    batch_digest,
    id_ranges,
    rating_hashes,
    record_hash,
)
from haochaping.audit.models import AuditRecord, ChainState, DayHead
from haochaping.core.clock import LOCAL_TZ, now
from haochaping.ratings.models import Rating

RATINGS_SEALED = "ratings.sealed"
REANCHORED = "audit.reanchored"


class ChainBroken(Exception):
    """The remembered head is not the last row of the chain: rows were deleted or changed."""


@dataclass
class SealResult:
    rows: int = 0
    ratings: int = 0
    batches: int = 0
    head_seq: int = 0
    head_hash: str = ""

    def add(self, other: SealResult) -> None:
        self.rows += other.rows
        self.ratings += other.ratings
        self.batches += other.batches
        self.head_seq, self.head_hash = other.head_seq, other.head_hash


def _lock_state() -> ChainState:
    state = ChainState.objects.select_for_update().filter(pk=1).first()
    if state is not None:
        return state
    if AuditRecord.objects.filter(seq__isnull=False).exists():
        raise ChainBroken("the chain head record is missing but sealed rows exist")
    ChainState.objects.get_or_create(pk=1)
    return ChainState.objects.select_for_update().get(pk=1)


def _check_head(state: ChainState) -> None:
    if state.seq == 0:
        return
    last = AuditRecord.objects.filter(seq__isnull=False).order_by("-seq").values("seq", "hash")[:1]
    row = last[0] if last else None
    if row is None or row["seq"] != state.seq or row["hash"] != state.hash:
        found = f"seq {row['seq']}" if row else "no sealed row"
        raise ChainBroken(f"the chain head is seq {state.seq} but the last row is {found}")


UNREADABLE = "<does not decrypt>"


def rating_values(queryset: QuerySet[Rating], *extra: str) -> Iterator[dict[str, Any]]:
    """The hashed fields of each rating, identity decrypted here rather than by the field: a
    value that no longer decrypts (tampered ciphertext) reads as ``UNREADABLE`` instead of
    stopping the sealer or ``audit verify``."""
    raw = {f"raw_{name}": Cast(name, output_field=TextField()) for name in IDENTITY_FIELDS}
    plain = [name for name in RATING_FIELDS if name not in IDENTITY_FIELDS]
    for row in queryset.annotate(**raw).values(*plain, *extra, *raw).iterator(chunk_size=2000):
        for name in IDENTITY_FIELDS:
            stored = row.pop(f"raw_{name}")
            field = Rating._meta.get_field(name)
            try:
                row[name] = (
                    field.from_db_value(stored, None, connection)
                    if hasattr(field, "from_db_value")
                    else stored
                )
            except Exception:  # any decryption error: the value was changed
                row[name] = UNREADABLE
        yield row


def _seal_ratings(max_ratings: int) -> int:
    queryset = Rating.objects.filter(content_hash="").order_by("id")[:max_ratings]
    values = list(rating_values(queryset))
    if not values:
        return 0
    hashes = [(v["id"], *rating_hashes(v)) for v in values]
    _update_by_id(Rating, ["content_hash", "identity_hash"], [(c, i, pk) for pk, c, i in hashes])
    pairs = [(pk, c) for pk, c, _ in hashes]
    source = current_source()
    AuditRecord.objects.create(
        created_at=now(),
        actor=source.actor[:200],
        address=source.address[:64],
        action=RATINGS_SEALED,
        object_type="ratings.rating",
        object_repr=f"{len(pairs)} ratings",
        changes={
            "count": len(pairs),
            "ids": id_ranges(i for i, _ in pairs),
            "digest": batch_digest(pairs),
        },
    )
    return len(pairs)


def _update_by_id(model: type[Model], columns: list[str], params: list[tuple]) -> None:
    """One prepared UPDATE … WHERE id = %s run for every row (executemany): several times
    faster than bulk_update's CASE expressions on both databases."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@transaction.atomic
def _seal_once(*, max_rows: int, max_ratings: int) -> SealResult:
    state = _lock_state()
    _check_head(state)
    ratings = _seal_ratings(max_ratings)
    rows = list(AuditRecord.objects.filter(seq__isnull=True).order_by("id")[:max_rows])
    at = now()
    for row in rows:
        row.seq, row.sealed_at, row.prev_hash = state.seq + 1, at, state.hash
        row.hash = record_hash(row.prev_hash, row)
        state.seq, state.hash = row.seq, row.hash
    if rows:
        stamp = connection.ops.adapt_datetimefield_value(at)
        _update_by_id(
            AuditRecord,
            ["seq", "sealed_at", "prev_hash", "hash"],
            [(r.seq, stamp, r.prev_hash, r.hash, r.pk) for r in rows],
        )
        state.sealed_at = at
        state.save(update_fields=["seq", "hash", "sealed_at"])
        DayHead.objects.update_or_create(
            day=at.astimezone(LOCAL_TZ).date(), defaults={"seq": state.seq, "hash": state.hash}
        )
    return SealResult(
        rows=len(rows),
        ratings=ratings,
        batches=1 if ratings else 0,
        head_seq=state.seq,
        head_hash=state.hash,
    )


def audit_seal(*, max_rows: int = 2000, max_ratings: int = 2000) -> SealResult:
    """Seal everything written so far (several transactions for a large backlog)."""
    total = SealResult()
    while True:
        step = _seal_once(max_rows=max_rows, max_ratings=max_ratings)
        total.add(step)
        if step.rows == 0 and step.ratings == 0:
            return total


@transaction.atomic
def audit_reanchor(*, reason: str) -> AuditRecord:
    """After a reported break has been investigated: continue the chain from its actual last row.

    The break stays visible to ``audit verify`` (the gap or the changed rows remain); this only
    lets sealing resume, and records who did it and why as the next row.
    """
    state = ChainState.objects.select_for_update().filter(pk=1).first() or ChainState(pk=1)
    last = AuditRecord.objects.filter(seq__isnull=False).order_by("-seq").first()
    old = {"seq": state.seq, "hash": state.hash}
    state.seq, state.hash = (last.seq or 0, last.hash) if last else (0, ChainState().hash)
    state.save()
    source = current_source()
    return AuditRecord.objects.create(
        created_at=now(),
        actor=source.actor[:200],
        address=source.address[:64],
        action=REANCHORED,
        object_type="audit.chainstate",
        object_id="1",
        changes={"reason": reason, "old_head": old, "new_head": {"seq": state.seq}},
    )
