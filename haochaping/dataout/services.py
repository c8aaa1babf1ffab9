"""Every write of the data-out app outside delivery: queueing, operator retry/resend, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.core.compiled_queries import insert_compiled, ride_insert
from haochaping.core.exceptions import InvalidTransition, NotFound
from haochaping.dataout.conf import dataout_setting
from haochaping.dataout.enums import AuditAction, MessageStatus, Topic
from haochaping.dataout.models import AuditEntry, OutboxMessage


def outbox_enqueue(
    *, topic: Topic | str, source_id: int, record: tuple[str, str, dt.datetime, dict[str, Any]]
) -> OutboxMessage | None:
    """Write one outbox row in the caller's transaction (the domain change's own)."""
    if not dataout_setting("ENABLED"):
        return None
    # One per rating: the INSERT's SQL is built once (core.compiled_queries), not per row. In
    # the rating's own transaction it rides with the rating's integrity statement (one round
    # trip less; core.compiled_queries.ride_insert); the row then has no primary key here.
    message = outbox_message(topic, source_id, record, clock_now())
    if not ride_insert(message):
        insert_compiled(message)
    _kick_on_commit()
    return message


def outbox_message(
    topic: Topic | str,
    source_id: int,
    record: tuple[str, str, dt.datetime, dict[str, Any]],
    now: dt.datetime,
) -> OutboxMessage:
    """The (unsaved) outbox row of one wire record, due now."""
    record_id, key, occurred_at, payload = record
    return OutboxMessage(
        topic=str(topic),
        source_id=source_id,
        aggregate_key=key[:80],
        record_id=record_id,
        payload=payload,
        occurred_at=occurred_at,
        business_day=occurred_at.astimezone(LOCAL_TZ).date(),
        next_attempt_at=now,
        created_at=now,
    )


def _kick_on_commit() -> None:
    """Once per transaction: when it commits, make sure a drain job is queued (near real time
    without a relay process). A relay process (``haochaping dataout-relay``) makes this moot."""
    if not connection.in_atomic_block:
        _kick()
        return
    if any(func is _kick for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_kick, robust=True)


# Until when (clock seconds) this process's commits are covered by a queued drain job that
# cannot start before then; see KICK_COALESCE_SECONDS. Racing threads at worst kick twice.
_kick_covered_until = 0.0


def _kick() -> None:
    global _kick_covered_until
    if not dataout_setting("KICK_JOB"):
        return
    at = clock_now().timestamp()
    if at < _kick_covered_until:
        return  # a drain job due no earlier than that is queued: it will see this commit
    from haochaping.dataout.tasks import outbox_drain_queued_or_enqueue

    _kick_covered_until = outbox_drain_queued_or_enqueue(
        coalesce_seconds=float(dataout_setting("KICK_COALESCE_SECONDS"))
    )


def kick_forget() -> None:
    """Forget the queued job this process relies on (tests that empty the job table)."""
    global _kick_covered_until
    _kick_covered_until = 0.0


def audit_record(
    *,
    action: AuditAction | str,
    acting_user: Any,
    message: OutboxMessage | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=str(action),
        message=message,
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
        actor_label=str(acting_user)[:150] if acting_user is not None else "system",
        detail=detail or {},
        created_at=clock_now(),
    )


def _lock(message_id: int) -> OutboxMessage:
    try:
        return OutboxMessage.objects.select_for_update().get(pk=message_id)
    except OutboxMessage.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def message_retry(*, message_id: int, acting_user: Any) -> OutboxMessage:
    """A dead-lettered message gets fresh attempts (and unblocks the later ones of its case)."""
    m = _lock(message_id)
    if m.status != MessageStatus.DEAD:
        raise InvalidTransition(_("Only a dead-lettered message can be retried."))
    detail = {"attempts_before": m.attempts, "last_error": m.last_error[:500]}
    _requeue(m)
    audit_record(action=AuditAction.RETRY, acting_user=acting_user, message=m, detail=detail)
    return m


@transaction.atomic
def message_resend(*, message_id: int, acting_user: Any) -> OutboxMessage:
    """Send a delivered message again, same record id: the platform keeps one copy."""
    m = _lock(message_id)
    if m.status != MessageStatus.DELIVERED:
        raise InvalidTransition(_("Only a delivered message can be sent again."))
    detail = {"delivered_at": m.delivered_at.isoformat() if m.delivered_at else None}
    _requeue(m)
    audit_record(action=AuditAction.RESEND, acting_user=acting_user, message=m, detail=detail)
    return m


@transaction.atomic
def messages_retry_dead(*, acting_user: Any) -> int:
    ids = list(OutboxMessage.objects.filter(status=MessageStatus.DEAD).values_list("pk", flat=True))
    for pk in ids:
        message_retry(message_id=pk, acting_user=acting_user)
    return len(ids)


def _requeue(m: OutboxMessage) -> None:
    now = clock_now()
    m.status = MessageStatus.PENDING
    m.attempts = 0
    m.next_attempt_at = now
    m.lease_until = None
    m.claim_token = ""
    m.dead_at = None
    m.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "lease_until",
            "claim_token",
            "dead_at",
        ]
    )
    _kick_on_commit()
