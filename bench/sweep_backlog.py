"""The deadline sweep over an all-overdue backlog: per-pass cost until nothing is left to send.

    PROBE_N=2000 .venv/bin/pytest -q -s -p no:randomly bench/sweep_backlog.py
    (add DATABASE_URL=postgres://... for PostgreSQL; HAOCHAPING_TEST_DB_SUFFIX to isolate;
    PROBE_SMS=1: the leader, liaison and supervisor want instant SMS, so the SMS outbox path
    runs too, mostly logging ``rate_limited`` rows past the per-number limits)

Runs as a pytest module (the rectification test fixtures: org tree, people, a frozen clock):
``PROBE_N`` items are opened through the real services, then five sweeps run 7 days after their
contact deadline. Passes 1-3 each send one escalation level per item (one level per sweep);
passes 4-5 send nothing. One JSON line per pass (seconds, statements, counters, ms and statements
per escalation, load) and a ``ratio`` = idle pass (median of 4-5) / first pass, the baseline of
the same run. Statements are counted by an execute wrapper (savepoints included; no 9,000 cap as
in ``connection.queries_log``).
"""

from __future__ import annotations

import json
import os
import statistics
import time

from django.db import connection

from haochaping.jobs.deadlines import run_deadline_sweep
from haochaping.notifications.services import preference_update
from haochaping.rectification.tests.conftest import clock, people  # noqa: F401 (fixtures)
from haochaping.rectification.tests.helpers import at, open_rectification


def test_sweep_backlog(org_tree, people, clock):  # noqa: F811
    n = int(os.environ.get("PROBE_N", "200"))
    for _ in range(n):
        open_rectification(org_tree)
    if os.environ.get("PROBE_SMS"):
        for i, user in enumerate((people.leader, people.liaison, people.supervisor)):
            preference_update(
                acting_user=user, delivery="instant", sms_enabled=True, mobile=f"1380000000{i}"
            )
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    seconds = []
    for minute in range(5):
        statements[0] = 0
        t = time.perf_counter()
        with connection.execute_wrapper(count):
            report = run_deadline_sweep(now=at(f"2026-10-20 10:{minute:02d}"))
        seconds.append(time.perf_counter() - t)
        sent = report.escalations + report.warnings
        print(
            json.dumps(
                {
                    "bench": "sweep_backlog",
                    "db": connection.vendor,
                    "items": n,
                    "pass": minute + 1,
                    "s": round(seconds[-1], 3),
                    "queries": statements[0],
                    **report.as_dict(),
                    "ms_per_sent": round(1000 * seconds[-1] / sent, 2) if sent else None,
                    "statements_per_sent": round(statements[0] / sent, 1) if sent else None,
                    "load_avg_1m": round(os.getloadavg()[0], 2),
                }
            )
        )
    idle = statistics.median(seconds[3:])
    print(
        json.dumps(
            {
                "bench": "sweep_backlog",
                "db": connection.vendor,
                "items": n,
                "idle_s": round(idle, 3),
                "first_s": round(seconds[0], 3),
                "ratio": round(idle / seconds[0], 4),
            }
        )
    )
