"""Reads for the admin page: lag, backlog, failures, recent runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet

from haochaping.core.clock import now as clock_now
from haochaping.dataout.enums import AttemptOutcome, MessageStatus
from haochaping.dataout.models import AuditEntry, OutboxAttempt, OutboxMessage, ReconciliationRun


def outbox_stats(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Counts by status, the push lag (age of the oldest undelivered message), blocked count,
    recent delivery lag and failures in the last 24 hours."""
    now = now or clock_now()
    by_status = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
    undelivered = OutboxMessage.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.DEAD]
    )
    oldest = undelivered.aggregate(t=Min("created_at"))["t"]
    due = OutboxMessage.objects.filter(
        status=MessageStatus.PENDING, next_attempt_at__lte=now
    ).count()
    day_ago = now - dt.timedelta(hours=24)
    failures = (
        OutboxAttempt.objects.filter(started_at__gte=day_ago)
        .exclude(outcome__in=[AttemptOutcome.DELIVERED, AttemptOutcome.DUPLICATE])
        .count()
    )
    recent = OutboxMessage.objects.filter(status=MessageStatus.DELIVERED, delivered_at__gte=day_ago)
    last_delivery = recent.aggregate(t=Max("delivered_at"))["t"]
    lags = [
        (d - c).total_seconds()
        for c, d in recent.order_by("-delivered_at").values_list("created_at", "delivered_at")[:200]
    ]
    lags.sort()
    return {
        "pending": by_status.get(MessageStatus.PENDING, 0),
        "sending": by_status.get(MessageStatus.SENDING, 0),
        "delivered": by_status.get(MessageStatus.DELIVERED, 0),
        "dead": by_status.get(MessageStatus.DEAD, 0),
        "due": due,
        "blocked": blocked_messages().count(),
        "lag_seconds": (now - oldest).total_seconds() if oldest else None,
        "failures_24h": failures,
        "delivered_24h": recent.count(),
        "last_delivery": last_delivery,
        "lag_p50": lags[len(lags) // 2] if lags else None,
        "lag_max": lags[-1] if lags else None,
    }


def blocked_messages() -> QuerySet[OutboxMessage]:
    """Pending messages held back by an earlier dead-lettered message of the same case."""
    dead_before = OutboxMessage.objects.filter(
        aggregate_key=OuterRef("aggregate_key"), id__lt=OuterRef("id"), status=MessageStatus.DEAD
    )
    return OutboxMessage.objects.filter(status=MessageStatus.PENDING).filter(Exists(dead_before))


def dead_messages() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(status=MessageStatus.DEAD).order_by("-dead_at", "-id")


def retrying_messages() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(status=MessageStatus.PENDING, attempts__gt=0).order_by(
        "next_attempt_at"
    )


def message_search(*, record_id: str) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(record_id=record_id.strip())


def recent_attempts(message: OutboxMessage) -> QuerySet[OutboxAttempt]:
    return OutboxAttempt.objects.filter(message=message).order_by("-id")


def reconciliation_runs() -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.order_by("-created_at", "-id")


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("message").order_by("-created_at", "-id")
