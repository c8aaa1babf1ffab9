"""Canonical forms and hashes of audit rows, ratings and sealed batches. Pure: no database.

Every hash is SHA-256 over UTF-8 canonical JSON (sorted keys, no spaces, times in UTC with
microseconds), so any tool can recompute it from the stored columns:

- audit row: ``sha256(prev_hash + canonical(row))`` with ``row`` = :func:`record_content`;
- rating identity: ``identity_hash = sha256(canonical(name, ID number, mobile))`` as plaintext,
  so re-encrypting with a new key changes nothing;
- rating: ``content_hash = sha256(canonical(rating))`` over :data:`RATING_CONTENT_FIELDS` (the
  immutable content) plus ``identity_hash``: anonymisation after the retention period blanks the
  identity but leaves the content hash checkable;
- sealed batch: ``sha256("id:content_hash\\n" for each rating in id order)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

# What a rating says and who gave it, when and where: never changes after the insert.
# Left out: validity / excluded_reason / is_public (changed by audited services) and
# source_client (SET_NULL when a client is deleted).
RATING_CONTENT_FIELDS = (
    "id",
    "receipt",
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
    "is_anonymous",
    "language",
    "device_id",
    "idempotency_key",
    "assessed_at",
    "received_at",
)
IDENTITY_FIELDS = ("evaluator_name", "evaluator_cert_no", "evaluator_mobile")
RATING_FIELDS = RATING_CONTENT_FIELDS + IDENTITY_FIELDS  # what the sealer reads
RECORD_FIELDS = (
    "id",
    "seq",
    "created_at",
    "sealed_at",
    "actor",
    "address",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
)


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def canonical(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_content(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in RECORD_FIELDS}


def record_hash(prev_hash: str, record: Any) -> str:
    return sha256(prev_hash + canonical(record_content(record)))


def rating_identity_hash(values: dict[str, Any]) -> str:
    return sha256(canonical({name: values[name] for name in IDENTITY_FIELDS}))


def is_anonymised(values: dict[str, Any]) -> bool:
    return not any(values[name] for name in IDENTITY_FIELDS)


def rating_content_hash(values: dict[str, Any], identity_hash: str) -> str:
    content = {name: values[name] for name in RATING_CONTENT_FIELDS}
    return sha256(canonical({**content, "identity_hash": identity_hash}))


def rating_hashes(values: dict[str, Any]) -> tuple[str, str]:
    """(content_hash, identity_hash) of a rating as read from the database."""
    identity = rating_identity_hash(values)
    return rating_content_hash(values, identity), identity


def batch_line(rating_id: int, content_hash: str) -> bytes:
    return f"{rating_id}:{content_hash}\n".encode()


def batch_digest(pairs: Iterable[tuple[int, str]]) -> str:
    digest = hashlib.sha256()
    for rating_id, content_hash in sorted(pairs):
        digest.update(batch_line(rating_id, content_hash))
    return digest.hexdigest()


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 8] -> [[1, 3], [7, 8]]: the id list of a batch, compact."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges


def range_ids(ranges: Iterable[Iterable[int]]) -> Iterator[int]:
    for start, end in ranges:
        yield from range(start, end + 1)
