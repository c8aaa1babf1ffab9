"""Overdue backlogs: a sweep with nothing left to send does no per-item work.

bench/province.py reported later sweeps over an all-overdue backlog as slow as the first and
"sending nothing"; its ``steady`` counters are those of the last pass only. Items overdue by more
than two ``escalation_interval``s escalate one level per sweep, so passes 2 and 3 send levels 2
and 3 (per-item work, rightly); from pass 4 nothing is sent and the cost is flat.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.audit.models import AuditRecord
from haochaping.jobs.deadlines import run_deadline_sweep
from haochaping.jobs.models import DeadlineMarker
from haochaping.notifications.models import Notification
from haochaping.rectification.deadlines import RULES, ContactClock
from haochaping.rectification.models import Rectification, RectificationEvent
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


def test_an_idle_sweep_over_50_or_200_overdue_items_costs_the_same_queries(org_tree, people, clock):
    few = _backlog_then_idle_queries(org_tree, new=50, total=50, minute=0)
    many = _backlog_then_idle_queries(org_tree, new=150, total=200, minute=10)
    # one listing query per rule plus one marker query per 500 overdue candidates
    assert few == many == len(RULES) + 1


def _escalation_rows(rects):
    """What escalating ``rects`` wrote, without ids or times: timeline rows, their audit rows,
    the overdue flags, the inbox rows (by item)."""
    index = {r.pk: n for n, r in enumerate(rects)}
    urls = {r.get_absolute_url(): n for n, r in enumerate(rects)}
    evs = list(
        RectificationEvent.objects.filter(
            rectification__in=rects, type="rectification.deadline_escalated"
        )
    )
    notes = Notification.objects.filter(message="deadline.escalated", url__in=urls)
    return {
        "events": sorted(
            (index[e.rectification_id], sorted(e.payload.items()), e.actor_label) for e in evs
        ),
        "audited": AuditRecord.objects.filter(
            object_type="rectification.rectificationevent",
            object_id__in=[str(e.pk) for e in evs],
            action="create",
        ).count(),
        "flags": sorted(
            Rectification.objects.filter(pk__in=index).values_list("pk", "contact_overdue")
        ),
        "inbox": sorted((urls[n.url], n.recipient_id, sorted(n.params.items())) for n in notes),
    }


def test_a_batch_writes_what_item_by_item_writes(org_tree, people, clock, monkeypatch):
    rects = [open_rectification(org_tree) for _ in range(3)]
    report, _ = _sweep(0)
    assert report.escalations == 3
    batched = _escalation_rows(rects)
    assert batched["audited"] == 3 and len(batched["inbox"]) == 3
    assert [flag for _pk, flag in batched["flags"]] == [True] * 3
    # the same level again, item by item: the path a failing batch falls back to
    DeadlineMarker.objects.all().delete()
    RectificationEvent.objects.filter(type="rectification.deadline_escalated").delete()
    Notification.objects.filter(message="deadline.escalated").delete()
    Rectification.objects.update(contact_overdue=False)

    def refused(self, sends, *, now):
        raise RuntimeError("batch refused")

    monkeypatch.setattr(ContactClock, "escalate_many", refused)
    report, _ = _sweep(1)
    assert report.escalations == 3
    assert _escalation_rows(rects) == batched
