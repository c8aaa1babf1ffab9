"""The versioned adapter interface: what a regional platform's specification must provide.

An adapter turns an outbox message (topic + adapter-neutral payload, see
:mod:`haochaping.dataout.records`) into the platform's wire request, interprets its answer, and
answers the reconciliation questions. Another province's specification is a new subclass in this
package (registered in ``ADAPTERS``) with its own mapping tables, never a fork of the delivery
code. ``name`` includes the version (``tibet_v1``); a platform's v2 is ``tibet_v2``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from haochaping.dataout.adapters.transport import Transport
from haochaping.dataout.enums import AttemptOutcome


@dataclass(frozen=True)
class WireRequest:
    path: str
    body: dict[str, Any]

    def encoded(self) -> bytes:
        return canonical_json(self.body)


@dataclass(frozen=True)
class SendResult:
    outcome: AttemptOutcome  # DELIVERED, DUPLICATE, RETRY or REJECTED
    http_status: int | None = None
    error: str = ""
    reply: str = ""


@dataclass(frozen=True)
class DaySummary:
    count: int
    hash: str
    records: dict[str, str] = field(default_factory=dict)  # record id -> content hash


def canonical_json(value: Any) -> bytes:
    """The bytes we send and hash: sorted keys, no spaces, UTF-8 (the fake hashes the same way)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def day_hash(pairs: dict[str, str]) -> str:
    """Hash of one day: SHA-256 over "recordId:recordHash" lines in record id order."""
    lines = "\n".join(f"{rid}:{h}" for rid, h in sorted(pairs.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


class PlatformAdapter:
    name: str = ""
    version: str = ""

    def __init__(self, *, source_system: str) -> None:
        self.source_system = source_system

    # --- the wire ---------------------------------------------------------------------------
    def build(self, *, topic: str, record_id: str, payload: dict[str, Any]) -> WireRequest:
        raise NotImplementedError

    def send(self, transport: Transport, request: WireRequest, *, record_id: str) -> SendResult:
        raise NotImplementedError

    # --- reconciliation ---------------------------------------------------------------------
    def platform_day(
        self, transport: Transport, *, topic: str, day: str, with_records: bool
    ) -> DaySummary:
        raise NotImplementedError

    def batch_file_name(self, *, topic: str, day: str) -> str:
        return f"{self.name}-{topic}-{day}.jsonl"
