"""gunicorn hooks for ``haochaping serve`` (``--config python:haochaping.core.gunicorn_conf``).

With ``PROMETHEUS_MULTIPROC_DIR`` set, every worker process writes its request metrics to files
there (prometheus_client's multiprocess mode). The master empties the directory when it starts
(counts of a previous run must not be added in) and marks a worker's files dead when it exits, so
its live gauges drop out while its counters keep counting in the sum.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _metrics_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def on_starting(server: Any) -> None:
    directory = _metrics_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if _metrics_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
