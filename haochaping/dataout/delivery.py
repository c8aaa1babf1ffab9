"""Delivery: claim a batch, send it through the adapter, record every attempt.

One round:

1. **Claim** (one short transaction): due ``pending`` rows, and ``sending`` rows whose lease ran
   out (their worker died: logged as a ``lost`` attempt), that have **no earlier undelivered
   message of the same case**, in id order, ``LIMIT batch``. ``SELECT … FOR UPDATE SKIP LOCKED``
   on PostgreSQL (workers never wait for each other); on SQLite the transaction is
   ``IMMEDIATE`` (settings), so claims are serialised by the single writer. The rows get status
   ``sending``, ``attempts + 1``, a lease and the round's ``claim_token``.
2. **Send** outside any transaction, ``CONCURRENCY`` requests at a time (a batch holds at most
   one message per case, so this keeps per-case order).
3. **Finish** (one short transaction): rows still carrying our token become ``delivered`` or go
   back to ``pending`` with exponential backoff and jitter, or are dead-lettered (attempts used
   up, or rejected by the platform's validation) with an inbox alert to administrators. A row
   whose token changed was taken over after our lease ran out: our result is logged as
   ``stale`` and not applied (the platform dedupes the second copy by ``recordId``).

A worker killed between 2 and 3 leaves ``sending`` rows: they are claimed again when the lease
ends and sent again; the platform answers ``duplicate`` for what it already has.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import random
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q

from haochaping.core.clock import now as clock_now
from haochaping.dataout import alerts
from haochaping.dataout.adapters import get_adapter, get_transport
from haochaping.dataout.adapters.base import PlatformAdapter, SendResult, record_hash
from haochaping.dataout.adapters.transport import Transport
from haochaping.dataout.conf import dataout_setting
from haochaping.dataout.enums import AttemptOutcome, MessageStatus
from haochaping.dataout.models import OutboxAttempt, OutboxMessage

logger = logging.getLogger(__name__)


def backoff_delay(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): ``min(cap, base·2^(n-1))``,
    half of it fixed and half random ("equal jitter"), so retries of many messages spread out
    but never come sooner than half the nominal delay."""
    nominal = min(cap, base * math.pow(2, max(attempt, 1) - 1))
    return nominal / 2 + (rng or random).uniform(0, nominal / 2)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class RoundReport:
    claimed: int = 0
    delivered: int = 0
    duplicates: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0
    stale: int = 0
    claim_ms: int = 0
    send_ms: int = 0
    finish_ms: int = 0

    def add(self, other: RoundReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Sent:
    message: OutboxMessage
    result: SendResult
    body_hash: str
    started_at: dt.datetime
    duration_ms: int


@dataclass
class Deliverer:
    """What a worker needs between rounds: the adapter, a transport (keep-alive), a pool."""

    worker: str = field(default_factory=default_worker_id)
    batch_size: int = 0
    concurrency: int = 0
    adapter: PlatformAdapter | None = None
    transport: Transport | None = None

    def __post_init__(self) -> None:
        self.batch_size = self.batch_size or int(dataout_setting("BATCH_SIZE"))
        self.concurrency = self.concurrency or int(dataout_setting("CONCURRENCY"))
        self.adapter = self.adapter or get_adapter()
        self.transport = self.transport or get_transport()
        self.max_attempts = int(dataout_setting("MAX_ATTEMPTS"))
        self._pool = ThreadPoolExecutor(self.concurrency) if self.concurrency > 1 else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self.transport is not None:
            self.transport.close()

    # --- 1. claim ----------------------------------------------------------------------------
    def lease_seconds(self, n: int) -> float:
        """Long enough for the whole batch even if every request times out."""
        timeout = float(dataout_setting("TIMEOUT_SECONDS"))
        rounds = math.ceil(n / max(self.concurrency, 1))
        return max(float(dataout_setting("LEASE_SECONDS")), rounds * timeout + 2)

    def claim(self) -> tuple[str, list[OutboxMessage], RoundReport]:
        report = RoundReport()
        token = secrets.token_hex(16)
        with transaction.atomic():
            now = clock_now()
            earlier = OutboxMessage.objects.filter(
                aggregate_key=OuterRef("aggregate_key"), id__lt=OuterRef("id")
            ).exclude(status=MessageStatus.DELIVERED)
            qs = (
                OutboxMessage.objects.filter(
                    Q(status=MessageStatus.PENDING, next_attempt_at__lte=now)
                    | Q(status=MessageStatus.SENDING, lease_until__lt=now)
                )
                .filter(~Exists(earlier))
                .order_by("id")
            )
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            rows = list(qs[: self.batch_size])
            if not rows:
                return token, [], report
            lost = [m for m in rows if m.status == MessageStatus.SENDING]
            attempts = []
            exhausted = []
            for m in lost:
                report.lost += 1
                attempts.append(
                    OutboxAttempt(
                        message=m,
                        number=m.attempts,
                        outcome=AttemptOutcome.LOST,
                        error="the worker that claimed it stopped before recording a result",
                        worker=self.worker,
                        started_at=now,
                        adapter=self.adapter.name,
                    )
                )
                if m.attempts >= self.max_attempts:
                    exhausted.append(m)
            for m in exhausted:
                self._dead(m, now, "attempts used up (the last worker stopped during the attempt)")
                report.dead += 1
            rows = [m for m in rows if m not in exhausted]
            lease = dt.timedelta(seconds=self.lease_seconds(len(rows)))
            OutboxMessage.objects.filter(pk__in=[m.pk for m in rows]).update(
                status=MessageStatus.SENDING,
                claim_token=token,
                lease_until=now + lease,
                attempts=F("attempts") + 1,
            )
            OutboxAttempt.objects.bulk_create(attempts)
        for m in rows:
            m.status = MessageStatus.SENDING
            m.claim_token = token
            m.attempts += 1
        report.claimed = len(rows)
        return token, rows, report

    # --- 2. send ------------------------------------------------------------------------------
    def _send_one(self, m: OutboxMessage) -> _Sent:
        started = clock_now()
        t0 = time.monotonic()
        try:
            request = self.adapter.build(topic=m.topic, record_id=m.record_id, payload=m.payload)
        except Exception as exc:  # a payload the adapter cannot map: no retry will help
            logger.exception("dataout: cannot build %s", m.record_id)
            result = SendResult(AttemptOutcome.REJECTED, error=f"cannot build the record: {exc!r}")
            return _Sent(m, result, "", started, 0)
        result = self.adapter.send(self.transport, request, record_id=m.record_id)
        return _Sent(
            m, result, record_hash(request.body), started, int((time.monotonic() - t0) * 1000)
        )

    # --- 3. finish ----------------------------------------------------------------------------
    def _dead(self, m: OutboxMessage, now: dt.datetime, error: str) -> None:
        OutboxMessage.objects.filter(pk=m.pk).update(
            status=MessageStatus.DEAD, dead_at=now, lease_until=None, last_error=error[:2000]
        )
        alerts.alert(
            message=alerts.DEAD_LETTER,
            params={
                "record": m.record_id,
                "case": m.aggregate_key.removeprefix("case:"),
                "attempts": m.attempts,
                "error": error[:300],
            },
            dedup_key=f"dataout-dead:{m.record_id}:{m.attempts}",
        )

    def finish(self, token: str, sent: list[_Sent]) -> RoundReport:
        report = RoundReport()
        base = float(dataout_setting("BACKOFF_BASE_SECONDS"))
        cap = float(dataout_setting("BACKOFF_MAX_SECONDS"))
        with transaction.atomic():
            now = clock_now()
            ids = [s.message.pk for s in sent]
            mine = set(
                OutboxMessage.objects.select_for_update()
                .filter(pk__in=ids, claim_token=token, status=MessageStatus.SENDING)
                .values_list("pk", flat=True)
            )
            attempts = []
            retry: list[OutboxMessage] = []
            by_reply: dict[str, list[int]] = {}
            for s in sent:
                m, r = s.message, s.result
                outcome = r.outcome
                if m.pk not in mine:
                    outcome = AttemptOutcome.STALE
                    report.stale += 1
                elif outcome in (AttemptOutcome.DELIVERED, AttemptOutcome.DUPLICATE):
                    by_reply.setdefault(r.reply or outcome, []).append(m.pk)
                    report.delivered += 1
                    report.duplicates += outcome == AttemptOutcome.DUPLICATE
                elif outcome == AttemptOutcome.REJECTED or m.attempts >= self.max_attempts:
                    outcome = (
                        AttemptOutcome.REJECTED
                        if outcome == AttemptOutcome.REJECTED
                        else AttemptOutcome.DEAD
                    )
                    self._dead(m, now, r.error or f"HTTP {r.http_status}")
                    report.dead += 1
                else:
                    delay = backoff_delay(m.attempts, base=base, cap=cap)
                    m.status = MessageStatus.PENDING
                    m.next_attempt_at = now + dt.timedelta(seconds=delay)
                    m.lease_until = None
                    m.last_error = (r.error or f"HTTP {r.http_status}")[:2000]
                    retry.append(m)
                    report.retried += 1
                attempts.append(
                    OutboxAttempt(
                        message=m,
                        number=m.attempts,
                        outcome=outcome,
                        http_status=r.http_status,
                        error=r.error[:2000],
                        body_sha256=s.body_hash,
                        adapter=self.adapter.name,
                        worker=self.worker,
                        started_at=s.started_at,
                        duration_ms=s.duration_ms,
                    )
                )
            for reply, pks in by_reply.items():
                OutboxMessage.objects.filter(pk__in=pks).update(
                    status=MessageStatus.DELIVERED,
                    delivered_at=now,
                    lease_until=None,
                    last_error="",
                    platform_reply=str(reply)[:40],
                )
            # The rows are ours and locked (SELECT ... FOR UPDATE above): one UPDATE for all retries.
            OutboxMessage.objects.bulk_update(
                retry, ["status", "next_attempt_at", "lease_until", "last_error"], batch_size=500
            )
            OutboxAttempt.objects.bulk_create(attempts)
        return report

    # --- a round and a drain ------------------------------------------------------------------
    def round(self) -> RoundReport:
        t0 = time.monotonic()
        token, rows, report = self.claim()
        t1 = time.monotonic()
        report.claim_ms = int((t1 - t0) * 1000)
        if rows:
            if self._pool is not None:
                sent = list(self._pool.map(self._send_one, rows))
            else:
                sent = [self._send_one(m) for m in rows]
            t2 = time.monotonic()
            report.add(self.finish(token, sent))
            report.send_ms = int((t2 - t1) * 1000)
            report.finish_ms = int((time.monotonic() - t2) * 1000)
        return report

    def drain(self, *, seconds: float | None = None) -> RoundReport:
        """Rounds until nothing is due (or ``seconds`` have passed)."""
        total = RoundReport()
        deadline = time.monotonic() + seconds if seconds else None
        while deadline is None or time.monotonic() < deadline:
            report = self.round()
            total.add(report)
            if report.claimed == 0 and report.dead == 0:
                break
        return total


def outbox_drain(*, seconds: float | None = None) -> RoundReport:
    deliverer = Deliverer()
    try:
        return deliverer.drain(seconds=seconds)
    finally:
        deliverer.close()
