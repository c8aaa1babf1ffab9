"""Settings of the regional-platform push, with defaults (``settings.HAOCHAPING_DATAOUT``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Write outbox rows at all (off: nothing is queued; the reconciliation backfills later).
    "ENABLED": True,
    # Base URL of the regional platform (the fake one: ``haochaping fake-platform --port P``).
    "PLATFORM_URL": "http://127.0.0.1:8765",
    # Adapter name (haochaping.dataout.adapters.ADAPTERS) or a dotted path to a PlatformAdapter.
    "ADAPTER": "tibet_v1",
    "CLIENT_ID": "",
    "SECRET": "",  # HMAC-SHA256 key; empty: requests are not signed
    # Who is sending: the installation's system code and region (sourceSystem, dataSource).
    "SOURCE_SYSTEM": "540100-HCP",
    "TIMEOUT_SECONDS": 10.0,
    # Delivery: messages claimed per round, HTTP requests in flight per worker.
    "BATCH_SIZE": 50,
    "CONCURRENCY": 4,
    # Backoff: base * 2^(attempt-1), capped, with "equal jitter" (half fixed, half random).
    "MAX_ATTEMPTS": 8,
    "BACKOFF_BASE_SECONDS": 5.0,
    "BACKOFF_MAX_SECONDS": 3600.0,
    # A claimed message whose worker has not finished it after this long is claimed again.
    "LEASE_SECONDS": 60.0,
    # The periodic ``outbox-drain`` job delivers for at most this long, then ends.
    "DRAIN_SECONDS": 45.0,
    # Queue an ``outbox-drain`` job when a transaction with outbox rows commits (for sites that
    # run only ``haochaping worker``); off when a ``dataout-relay`` process runs.
    "KICK_JOB": True,
    # A server process queues at most one such job per this many seconds, due at the end of the
    # window: it delivers every commit of the window, at most this much later, and the request
    # path pays one job look-up per window instead of one per transaction. 0: a job due at once
    # after every transaction that wrote outbox rows.
    "KICK_COALESCE_SECONDS": 1.0,
    # The relay process polls this often when the outbox is empty.
    "POLL_SECONDS": 0.5,
    # Daily reconciliation: "query" (ask the platform) or "file" (write the daily batch file).
    "RECONCILE_MODE": "query",
    "RECONCILE_RESEND_MISSING": True,
    "BATCH_FILE_DIR": "",  # default: <DATA_DIR>/dataout/batches
}


def dataout_setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "HAOCHAPING_DATAOUT", {})}[name]
