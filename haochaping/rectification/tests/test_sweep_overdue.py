"""Overdue backlogs: a sweep with nothing left to send does no per-item work.

bench/province.py reported later sweeps over an all-overdue backlog as slow as the first and
"sending nothing"; its ``steady`` counters are those of the last pass only. Items overdue by more
than two ``escalation_interval``s escalate one level per sweep, so passes 2 and 3 send levels 2
and 3 (per-item work, rightly); from pass 4 nothing is sent and the cost is flat.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.jobs.deadlines import run_deadline_sweep
from haochaping.jobs.models import DeadlineMarker
from haochaping.rectification.deadlines import RULES
from haochaping.rectification.tests.helpers import at, open_rectification


def _sweep(minute: int):
    # contact window 10-12 09:00 -> 10-13 18:00: on 10-20 every item is 7 days overdue
    connection.queries_log.clear()  # the log keeps 9,000 queries; a backlog sweep sends more
    with CaptureQueriesContext(connection) as queries:
        report = run_deadline_sweep(now=at(f"2026-10-20 10:{minute:02d}"), rules=RULES)
    assert report.errors == 0
    return report, len(queries)


def _backlog_then_idle_queries(org_tree, new: int, total: int, minute: int) -> int:
    for _ in range(new):
        open_rectification(org_tree)
    for level in (1, 2, 3):  # one level per sweep, every item at once
        report, _ = _sweep(minute)
        minute += 1
        assert (report.items, report.escalations) == (total, new)
        assert DeadlineMarker.objects.filter(marker=f"escalate:{level}").count() == total
    markers = DeadlineMarker.objects.count()
    report, queries = _sweep(minute)
    assert (report.items, report.warnings, report.escalations) == (total, 0, 0)
    assert DeadlineMarker.objects.count() == markers  # nothing new marked
    return queries


def test_an_idle_sweep_over_50_or_200_overdue_items_costs_the_same_queries(
    org_tree, people, clock
):
    few = _backlog_then_idle_queries(org_tree, new=50, total=50, minute=0)
    many = _backlog_then_idle_queries(org_tree, new=150, total=200, minute=10)
    # one listing query per rule plus one marker query per 500 overdue candidates
    assert few == many == len(RULES) + 1
