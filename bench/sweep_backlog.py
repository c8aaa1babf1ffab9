"""The deadline sweep over an all-overdue backlog: per-pass cost until nothing is left to send.

    PROBE_N=2000 .venv/bin/pytest -q -s -p no:randomly bench/sweep_backlog.py
    (add DATABASE_URL=postgres://... for PostgreSQL; HAOCHAPING_TEST_DB_SUFFIX to isolate)

Runs as a pytest module (the rectification test fixtures: org tree, people, a frozen clock):
``PROBE_N`` items are opened through the real services, then five sweeps run 7 days after their
contact deadline. Passes 1-3 each send one escalation level per item (one level per sweep);
passes 4-5 send nothing. One JSON line per pass (seconds, queries, counters, load) and a
``ratio`` = idle pass (median of 4-5) / first pass, the baseline of the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.jobs.deadlines import run_deadline_sweep
from haochaping.rectification.tests.conftest import clock, people  # noqa: F401 (fixtures)
from haochaping.rectification.tests.helpers import at, open_rectification


def test_sweep_backlog(org_tree, people, clock):  # noqa: F811
    n = int(os.environ.get("PROBE_N", "200"))
    for _ in range(n):
        open_rectification(org_tree)
    seconds = []
    for minute in range(5):
        connection.queries_log.clear()  # the log keeps 9,000 queries
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            report = run_deadline_sweep(now=at(f"2026-10-20 10:{minute:02d}"))
        seconds.append(time.perf_counter() - t)
        print(json.dumps({"bench": "sweep_backlog", "db": connection.vendor, "items": n,
                          "pass": minute + 1, "s": round(seconds[-1], 3),
                          "queries": len(queries), **report.as_dict(),
                          "load_avg_1m": round(os.getloadavg()[0], 2)}))
    idle = statistics.median(seconds[3:])
    print(json.dumps({"bench": "sweep_backlog", "db": connection.vendor, "items": n,
                      "idle_s": round(idle, 3), "first_s": round(seconds[0], 3),
                      "ratio": round(idle / seconds[0], 4)}))
