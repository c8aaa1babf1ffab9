"""The daily reconciliation with the regional platform (or the daily batch file).

For a day and a topic, "here" is every outbox message whose business day (the rating's
``assessTime``, the rectification event's time, in Beijing time) is that day, mapped through the
adapter exactly as it is sent; the platform files records under the same day. The two sides are
compared by count and by a day hash (SHA-256 over ``recordId:sha256(record)`` lines in record
id order). When they differ, the platform's per-record list is fetched and the differences are
named: missing at the platform, unknown here, different content. Records delivered but missing
at the platform are queued again (same record id) when ``RECONCILE_RESEND_MISSING`` is on.
Every run is stored (:class:`~haochaping.dataout.models.ReconciliationRun`) and differences
raise an inbox alert to administrators.

Before comparing ratings, :func:`backfill_ratings` queues ratings received that day that have no
outbox message (rows written with raw SQL, e.g. the importer's PostgreSQL fast path, or ratings
stored while the push was disabled).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.dataout import alerts, records, services
from haochaping.dataout.adapters import get_adapter, get_transport
from haochaping.dataout.adapters.base import PlatformAdapter, canonical_json, day_hash, record_hash
from haochaping.dataout.adapters.transport import TransportError
from haochaping.dataout.conf import dataout_setting
from haochaping.dataout.enums import AuditAction, MessageStatus, ReconcileStatus, Topic
from haochaping.dataout.models import OutboxMessage, ReconciliationRun

DETAIL_LIMIT = 1000


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ)
    return start, start + dt.timedelta(days=1)


def backfill_ratings(*, day: dt.date) -> int:
    """Queue ratings received on ``day`` that have no outbox message; returns how many."""
    from haochaping.ratings.models import Rating

    start, end = _day_bounds(day)
    queued = OutboxMessage.objects.filter(topic=Topic.RATING).values("source_id")
    missing = (
        Rating.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(pk__in=queued)
        .select_related("case__item", "unit__region", "staff")
        .order_by("pk")
    )
    n = 0
    for rating in missing.iterator(chunk_size=500):
        with transaction.atomic():
            services.outbox_enqueue(
                topic=Topic.RATING, source_id=rating.pk, record=records.rating_record(rating)
            )
        n += 1
    return n


def local_records(
    adapter: PlatformAdapter, *, topic: str, day: dt.date
) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """record id -> (content hash, status, wire body) for the day's messages of ``topic``."""
    out = {}
    rows = OutboxMessage.objects.filter(topic=topic, business_day=day).only(
        "record_id", "topic", "payload", "status"
    )
    for m in rows.iterator(chunk_size=1000):
        body = adapter.build(topic=m.topic, record_id=m.record_id, payload=m.payload).body
        out[m.record_id] = (record_hash(body), m.status, body)
    return out


def reconcile_day(
    *,
    day: dt.date,
    acting_user: Any = None,
    topics: list[str] | None = None,
    resend_missing: bool | None = None,
    mode: str | None = None,
) -> list[ReconciliationRun]:
    adapter = get_adapter()
    resend = (
        dataout_setting("RECONCILE_RESEND_MISSING") if resend_missing is None else resend_missing
    )
    backfilled = backfill_ratings(day=day)
    mode = mode or dataout_setting("RECONCILE_MODE")
    transport = get_transport() if mode == "query" else None
    runs = []
    try:
        for topic in topics or list(Topic.values):
            local = local_records(adapter, topic=topic, day=day)
            if mode == "file":
                runs.append(_write_batch_file(adapter, topic=topic, day=day, local=local))
            else:
                runs.append(
                    _compare(adapter, transport, topic=topic, day=day, local=local, resend=resend)
                )
    finally:
        if transport is not None:
            transport.close()
    services.audit_record(
        action=AuditAction.RECONCILE,
        acting_user=acting_user,
        detail={
            "day": day.isoformat(),
            "backfilled": backfilled,
            "results": {r.topic: r.status for r in runs},
        },
    )
    return runs


def _compare(
    adapter, transport, *, topic: str, day: dt.date, local: dict, resend: bool
) -> ReconciliationRun:
    pairs = {rid: h for rid, (h, _s, _b) in local.items()}
    here_hash = day_hash(pairs)
    run = ReconciliationRun(
        day=day, topic=topic, local_count=len(pairs), local_hash=here_hash, created_at=clock_now()
    )
    try:
        summary = adapter.platform_day(
            transport, topic=topic, day=day.isoformat(), with_records=False
        )
        run.platform_count, run.platform_hash = summary.count, summary.hash
        if summary.count == len(pairs) and summary.hash == here_hash:
            run.status = ReconcileStatus.MATCH
            run.save()
            return run
        theirs = adapter.platform_day(
            transport, topic=topic, day=day.isoformat(), with_records=True
        ).records
    except TransportError as exc:
        run.status = ReconcileStatus.ERROR
        run.details = {"error": str(exc)[:1000]}
        run.save()
        return run
    missing = sorted(set(pairs) - set(theirs))
    unknown = sorted(set(theirs) - set(pairs))
    changed = sorted(rid for rid in set(pairs) & set(theirs) if pairs[rid] != theirs[rid])
    not_yet = [rid for rid in missing if local[rid][1] != MessageStatus.DELIVERED]
    requeued = []
    if resend:
        for rid in missing:
            if local[rid][1] == MessageStatus.DELIVERED:
                m = OutboxMessage.objects.get(record_id=rid)
                services.message_resend(message_id=m.pk, acting_user=None)
                requeued.append(rid)
    run.status = ReconcileStatus.DIFFERENT
    run.details = {
        "missing_at_platform": missing[:DETAIL_LIMIT],
        "not_yet_delivered": not_yet[:DETAIL_LIMIT],
        "unknown_here": unknown[:DETAIL_LIMIT],
        "different_content": changed[:DETAIL_LIMIT],
        "requeued": requeued[:DETAIL_LIMIT],
        "counts": {
            "missing_at_platform": len(missing),
            "not_yet_delivered": len(not_yet),
            "unknown_here": len(unknown),
            "different_content": len(changed),
            "requeued": len(requeued),
        },
    }
    run.save()
    alerts.alert(
        message=alerts.RECONCILE_DIFFERENT,
        params={
            "day": day.isoformat(),
            "topic": topic,
            "local": len(pairs),
            "platform": run.platform_count,
            "missing": len(missing),
            "unknown": len(unknown),
            "changed": len(changed),
        },
        dedup_key=f"dataout-reconcile:{day}:{topic}:"
        + hashlib.sha256(f"{run.platform_hash}:{here_hash}".encode()).hexdigest()[:32],
    )
    return run


def batch_dir() -> Path:
    configured = dataout_setting("BATCH_FILE_DIR")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "dataout" / "batches"


def _write_batch_file(adapter, *, topic: str, day: dt.date, local: dict) -> ReconciliationRun:
    """The daily batch file for platforms that want files: one JSON record per line (the bytes
    we would POST), in record id order, and a manifest with the count and the day hash."""
    directory = batch_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = adapter.batch_file_name(topic=topic, day=day.isoformat())
    path = directory / name
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        for rid in sorted(local):
            fh.write(canonical_json(local[rid][2]) + b"\n")
    os.replace(tmp, path)
    pairs = {rid: h for rid, (h, _s, _b) in local.items()}
    manifest = {
        "adapter": adapter.name,
        "topic": topic,
        "day": day.isoformat(),
        "count": len(pairs),
        "hash": day_hash(pairs),
        "file": name,
    }
    path.with_name(name + ".manifest.json").write_text(json.dumps(manifest, indent=1))
    run = ReconciliationRun.objects.create(
        day=day,
        topic=topic,
        status=ReconcileStatus.FILE_WRITTEN,
        local_count=len(pairs),
        local_hash=manifest["hash"],
        details={"file": str(path)},
        created_at=clock_now(),
    )
    return run
