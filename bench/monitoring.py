"""What monitoring costs: /healthz and /metrics with a deep queue, and the request middleware.

    .venv/bin/python bench/monitoring.py --db postgresql --jobs 20000 --requests 50

On a scratch database with ``--jobs`` queued jobs (ready, plus as many finished ones, as a busy
day leaves them), each endpoint is requested ``--requests`` times in-process (Django's test
client: every middleware, the view and its queries) and compared with the same number of
requests for ``/healthz`` on the empty queue — the baseline measured first in the same run. A
second figure is the per-request overhead of ``haochaping.core.middleware.RequestMiddleware``
(request id, metrics, log line): ``/healthz`` on the empty queue with and without it, in
alternating batches so a loaded machine affects both alike. JSON lines on stdout.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratchdb import bench_parser, emit, env_fields, scratch_from


def make_client():
    from django.test import Client

    return Client(HTTP_HOST="127.0.0.1")  # an allowed host outside the test runner


def timed(client, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 503), (path, response.status_code)
    return out


def queries(path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        make_client().get(path)
    return len(ctx.captured_queries)


def fill_queue(n: int) -> None:
    """``n`` ready jobs and ``n`` finished ones, in batches through the task backend's model."""
    from django.db import transaction
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from haochaping.jobs.tasks import noop

    with transaction.atomic():
        for _ in range(n):
            noop.enqueue()
    done = list(DBTaskResult.objects.values_list("pk", flat=True)[: n // 2])
    DBTaskResult.objects.filter(pk__in=done).update(status=TaskResultStatus.SUCCESSFUL)
    with transaction.atomic():
        for _ in range(n // 2):
            noop.enqueue()


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with scratch_from(args, "haochaping_bench_monitoring"):
        from django.conf import settings
        from django.test import override_settings

        client = make_client()
        n = args.requests
        timed(client, "/healthz", 5)  # warm-up: imports, connection
        baseline = statistics.median(timed(client, "/healthz", n))
        emit(
            scenario="monitoring",
            db=args.db,
            figure="healthz_empty_queue_ms",
            median_ms=round(baseline, 2),
            queries=queries("/healthz"),
            **env_fields(),
        )

        # middleware overhead, alternating batches
        without = [m for m in settings.MIDDLEWARE if not m.endswith("RequestMiddleware")]
        with_mw, without_mw = [], []
        for _ in range(5):
            with_mw += timed(client, "/healthz", n // 5 or 1)
            with override_settings(MIDDLEWARE=without):
                without_mw += timed(make_client(), "/healthz", n // 5 or 1)
        emit(
            scenario="monitoring",
            db=args.db,
            figure="request_middleware",
            with_ms=round(statistics.median(with_mw), 3),
            without_ms=round(statistics.median(without_mw), 3),
            ratio=round(statistics.median(with_mw) / statistics.median(without_mw), 3),
            **env_fields(),
        )

        started = time.perf_counter()
        fill_queue(args.jobs)
        fill_s = time.perf_counter() - started
        for path in ("/healthz", "/metrics"):
            timed(client, path, 3)
            median = statistics.median(timed(client, path, n))
            emit(
                scenario="monitoring",
                db=args.db,
                figure=f"{path.strip('/')}_deep_queue_ms",
                jobs_ready=args.jobs,
                jobs_finished=args.jobs // 2,
                median_ms=round(median, 2),
                baseline_ms=round(baseline, 2),
                ratio=round(median / baseline, 2),
                queries=queries(path),
                fill_seconds=round(fill_s, 1),
                **env_fields(),
            )


if __name__ == "__main__":
    main()
