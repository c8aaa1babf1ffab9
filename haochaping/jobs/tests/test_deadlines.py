"""The deadline sweep with a rule registered by the test."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from haochaping.accounts.enums import Role
from haochaping.jobs.deadlines import (
    DeadlineItem,
    DeadlineRule,
    deadline_level,
    rule_registered,
    run_deadline_sweep,
)
from haochaping.jobs.escalation import EscalationLevel, escalation_recipients
from haochaping.jobs.models import DeadlineMarker
from haochaping.notifications.enums import SmsStatus
from haochaping.notifications.messages import render
from haochaping.notifications.models import Notification, SmsMessage
from haochaping.notifications.services import preference_update
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # 09:00 in Lhasa
DUE = START + dt.timedelta(hours=10)  # 19:00 in Lhasa


class ListRule(DeadlineRule):
    """Items from a list; an item whose key starts with "bad" makes its hook fail."""

    name = "test.contact"
    escalation_interval = dt.timedelta(hours=24)

    def __init__(self, items):
        self.items = items

    def due_items(self, *, now):
        return [item for item in self.items if now >= item.started_at]

    def warn(self, item, *, point, now):
        if item.key.startswith("bad"):
            raise RuntimeError("the domain hook failed")
        super().warn(item, point=point, now=now)


@pytest.fixture
def people(org_tree):
    handler = make_user("handler", Role.HANDLER, scope_unit=org_tree.police)
    preference_update(
        acting_user=handler, delivery="instant", sms_enabled=True, mobile="13800000001"
    )
    return {
        "handler": handler,
        "leader": make_user("leader", Role.LEADER, scope_unit=org_tree.police),
        "other_leader": make_user("cg-leader", Role.LEADER, scope_unit=org_tree.cg_police),
        "liaison": make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, scope_region=org_tree.lhasa),
    }


def item(org_tree, key="42", **kw):
    fields = {
        "key": key,
        "started_at": START,
        "due_at": DUE,
        "unit": org_tree.police,
        "label": "540100-00000042",
        "url": "/rectifications/42/",
    }
    fields.update(kw)
    return DeadlineItem(**fields)


def inbox(user):
    return [
        (n.message, n.params) for n in Notification.objects.filter(recipient=user).order_by("pk")
    ]


def test_warnings_at_half_and_eighty_percent_are_sent_once(
    org_tree, people, django_capture_on_commit_callbacks
):
    rule = ListRule([item(org_tree, assignee_ids=(people["handler"].pk,))])
    with rule_registered(rule):
        # before half the window: nothing
        assert run_deadline_sweep(now=START + dt.timedelta(hours=4)).as_dict() == {
            "items": 1,
            "warnings": 0,
            "escalations": 0,
            "errors": 0,
        }
        # at half: one warning, sent once however often the sweep runs
        with django_capture_on_commit_callbacks(execute=False):
            assert run_deadline_sweep(now=START + dt.timedelta(hours=5)).warnings == 1
        assert run_deadline_sweep(now=START + dt.timedelta(hours=6)).warnings == 0
        # at 80 %: the second one
        assert run_deadline_sweep(now=START + dt.timedelta(hours=8)).warnings == 1
        assert run_deadline_sweep(now=START + dt.timedelta(hours=9)).warnings == 0
    due = {"item": "540100-00000042", "due": "2026-11-30 19:00"}
    assert inbox(people["handler"]) == [
        ("deadline.warning", {**due, "percent": 50}),
        ("deadline.warning", {**due, "percent": 80}),
    ]
    sms = SmsMessage.objects.filter(user=people["handler"]).order_by("pk")
    assert [(s.phone_masked, s.status, s.body) for s in sms] == [
        (
            "138****0001",
            SmsStatus.PENDING,
            "【好差评】540100-00000042 将于 2026-11-30 19:00 到期，请及时办理。",
        )
    ] * 2
    assert render("deadline.warning", {**due, "percent": 80}, language="zh-hans").body == (
        "540100-00000042 将于 2026-11-30 19:00 到期，已用去 80% 的时限。"
    )


def test_a_late_first_sweep_sends_only_the_highest_warning(org_tree, people):
    rule = ListRule([item(org_tree, assignee_ids=(people["handler"].pk,))])
    report = run_deadline_sweep(now=START + dt.timedelta(hours=9), rules=[rule])
    assert report.warnings == 1
    assert [p["percent"] for _m, p in inbox(people["handler"])] == [80]
    assert set(DeadlineMarker.objects.values_list("marker", flat=True)) == {"warn:50", "warn:80"}


def test_overdue_items_escalate_one_level_at_a_time(org_tree, people):
    rule = ListRule([item(org_tree, assignee_ids=(people["handler"].pk,))])
    after = DUE + dt.timedelta(minutes=1)
    # at the deadline: the unit leader, once
    assert run_deadline_sweep(now=after, rules=[rule]).escalations == 1
    assert run_deadline_sweep(now=after + dt.timedelta(hours=1), rules=[rule]).escalations == 0
    assert inbox(people["leader"]) == [
        ("deadline.escalated", {"item": "540100-00000042", "due": "2026-11-30 19:00", "level": 1})
    ]
    assert inbox(people["other_leader"]) == []
    assert deadline_level("test.contact", "42", DUE) == 1
    # a day later: the city liaison; two days later: the supervision office; then no more
    assert run_deadline_sweep(now=after + dt.timedelta(hours=24), rules=[rule]).escalations == 1
    assert run_deadline_sweep(now=after + dt.timedelta(hours=48), rules=[rule]).escalations == 1
    assert run_deadline_sweep(now=after + dt.timedelta(days=10), rules=[rule]).escalations == 0
    assert [m for m, _p in inbox(people["liaison"])] == ["deadline.escalated"]
    assert [p["level"] for _m, p in inbox(people["supervisor"])] == [3]
    assert deadline_level("test.contact", "42", DUE) == 3
    assert render(
        "deadline.escalated", inbox(people["supervisor"])[0][1], language="zh-hans"
    ).subject == ("已超期：540100-00000042")


def test_a_sweep_long_after_the_deadline_still_climbs_one_level_per_run(org_tree, people):
    rule = ListRule([item(org_tree)])
    late = DUE + dt.timedelta(days=5)
    levels = []
    for _ in range(4):
        run_deadline_sweep(now=late, rules=[rule])
        levels.append(deadline_level("test.contact", "42", DUE))
    assert levels == [1, 2, 3, 3]


def test_one_failing_item_does_not_stop_the_loop_and_is_retried(org_tree, people, caplog):
    rule = ListRule(
        [
            item(org_tree, key="bad-1"),
            item(org_tree, key="43", label="B", assignee_ids=(people["handler"].pk,)),
        ]
    )
    report = run_deadline_sweep(now=START + dt.timedelta(hours=5), rules=[rule])
    assert report.as_dict() == {"items": 2, "warnings": 1, "errors": 1, "escalations": 0}
    assert "deadline rule test.contact failed on item bad-1" in caplog.text
    # the failed item left no marker: the next sweep tries again
    assert not DeadlineMarker.objects.filter(item_key="bad-1").exists()
    assert (
        run_deadline_sweep(now=START + dt.timedelta(hours=5, minutes=1), rules=[rule]).errors == 1
    )


def test_a_rule_that_cannot_list_its_items_does_not_stop_other_rules(org_tree, people):
    class Broken(DeadlineRule):
        name = "test.broken"

        def due_items(self, *, now):
            raise RuntimeError("database view missing")

    good = ListRule([item(org_tree, assignee_ids=(people["handler"].pk,))])
    report = run_deadline_sweep(now=START + dt.timedelta(hours=5), rules=[Broken(), good])
    assert (report.errors, report.warnings) == (1, 1)


def test_a_recomputed_deadline_gets_fresh_reminders(org_tree, people):
    first = item(org_tree, assignee_ids=(people["handler"].pk,))
    run_deadline_sweep(now=START + dt.timedelta(hours=5), rules=[ListRule([first])])
    moved = item(org_tree, assignee_ids=(people["handler"].pk,), due_at=DUE + dt.timedelta(days=1))
    run_deadline_sweep(now=START + dt.timedelta(hours=17), rules=[ListRule([moved])])
    assert [p["due"] for _m, p in inbox(people["handler"])] == [
        "2026-11-30 19:00",
        "2026-12-01 19:00",
    ]


def test_escalation_recipients_are_the_nearest_of_each_level(org_tree, people):
    assert list(escalation_recipients(EscalationLevel.HANDLER, unit=org_tree.police)) == [
        people["handler"]
    ]
    assert list(escalation_recipients(EscalationLevel.UNIT_LEADER, unit=org_tree.police)) == [
        people["leader"]
    ]
    # the county police has its own leader; the county government has none: nobody at unit level
    assert list(escalation_recipients(EscalationLevel.UNIT_LEADER, unit=org_tree.cg_police)) == [
        people["other_leader"]
    ]
    assert list(escalation_recipients(EscalationLevel.UNIT_LEADER, unit=org_tree.dx_gov)) == []
    assert list(escalation_recipients(EscalationLevel.CITY_LIAISON, unit=org_tree.dx_gov)) == [
        people["liaison"]
    ]
    assert list(escalation_recipients(EscalationLevel.SUPERVISION, unit=org_tree.cg_police)) == [
        people["supervisor"]
    ]


def test_registering_twice_or_bad_points_is_refused(org_tree):
    from haochaping.jobs.deadlines import register_rule

    rule = ListRule([])
    with rule_registered(rule):
        with pytest.raises(
            ValueError, match=re.escape("deadline rule 'test.contact' is already registered")
        ):
            register_rule(ListRule([]))
    bad = ListRule([])
    bad.warn_at = (0.5, 1.0)
    with pytest.raises(
        ValueError,
        match=re.escape("warning points are shares of the window, strictly between 0 and 1"),
    ):
        register_rule(bad)


def test_the_deadline_sweep_task_runs_registered_rules(org_tree, people):
    import time_machine

    from haochaping.jobs.tasks import deadline_sweep

    rule = ListRule([item(org_tree, assignee_ids=(people["handler"].pk,))])
    with rule_registered(rule), time_machine.travel(START + dt.timedelta(hours=5), tick=False):
        assert deadline_sweep.call() == {"items": 1, "warnings": 1, "escalations": 0, "errors": 0}


def test_a_steady_sweep_costs_the_same_queries_for_10_or_200_items(org_tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def steady_queries(count):
        DeadlineMarker.objects.all().delete()
        items = [
            item(org_tree, key=f"{count}-{n}", assignee_ids=(people["handler"].pk,))
            for n in range(count)
        ]
        # half of them before any warning point, half overdue, not yet escalated
        late = [
            item(org_tree, key=f"{count}-late-{n}", due_at=START + dt.timedelta(hours=2))
            for n in range(count)
        ]
        rule = ListRule(items + late)
        first = run_deadline_sweep(now=START + dt.timedelta(hours=3), rules=[rule])
        assert (first.warnings, first.escalations, first.errors) == (0, count, 0)
        with CaptureQueriesContext(connection) as queries:
            steady = run_deadline_sweep(now=START + dt.timedelta(hours=4), rules=[rule])
        assert (steady.items, steady.warnings, steady.escalations) == (2 * count, 0, 0)
        return len(queries)

    assert steady_queries(10) == steady_queries(200) == 1


class FailingEscalation(ListRule):
    def escalate(self, item, *, level, now):
        if item.key.startswith("bad"):
            raise RuntimeError("the domain hook failed")
        super().escalate(item, level=level, now=now)


def test_a_failing_item_in_a_batch_costs_only_itself(org_tree, people, caplog):
    keys = ["41", "bad-1", "43"]
    rule = FailingEscalation([item(org_tree, key=k) for k in keys])
    report = run_deadline_sweep(now=DUE + dt.timedelta(minutes=1), rules=[rule])
    assert (report.escalations, report.errors) == (2, 1)
    assert "sending its items one by one" in caplog.text
    assert sorted(DeadlineMarker.objects.values_list("item_key", "marker")) == [
        ("41", "escalate:1"),
        ("43", "escalate:1"),
    ]
    assert len(inbox(people["leader"])) == 2  # neither lost nor sent twice
    report = run_deadline_sweep(now=DUE + dt.timedelta(minutes=2), rules=[rule])
    assert (report.escalations, report.errors) == (0, 1)
    assert len(inbox(people["leader"])) == 2


def test_a_marker_set_by_an_overlapping_pass_is_not_sent_again(org_tree, people, monkeypatch):
    from haochaping.jobs import deadlines

    rule = ListRule([item(org_tree, key="41"), item(org_tree, key="42")])
    now = DUE + dt.timedelta(minutes=1)
    DeadlineMarker.objects.create(
        rule=rule.name, item_key="41", due_at=DUE, marker="escalate:1", created_at=now
    )
    # the other pass inserted it after this one read the markers
    monkeypatch.setattr(deadlines, "_markers", lambda rule, items: {})
    report = run_deadline_sweep(now=now, rules=[rule])
    assert report.escalations == 1
    assert [p["item"] for _m, p in inbox(people["leader"])] == ["540100-00000042"]
    assert DeadlineMarker.objects.count() == 2


def test_a_pass_stops_on_its_budget_and_the_next_goes_on(org_tree, people, settings):
    settings.HAOCHAPING_JOBS = {"SWEEP_MAX_SENDS": 2}
    rule = ListRule([item(org_tree, key=str(n)) for n in range(5)])
    now = DUE + dt.timedelta(minutes=1)
    sent = []
    for minute in range(4):
        report = run_deadline_sweep(now=now + dt.timedelta(minutes=minute), rules=[rule])
        sent.append((report.escalations, report.as_dict().get("deferred", 0)))
    assert sent == [(2, 1), (2, 1), (1, 0), (0, 0)]
    assert DeadlineMarker.objects.count() == 5


def test_a_sending_pass_costs_the_same_statements_for_10_or_60_escalations(org_tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user in ("leader", "liaison"):
        preference_update(
            acting_user=people[user], delivery="instant", sms_enabled=True, mobile="13800000009"
        )

    def sending_queries(count):
        DeadlineMarker.objects.all().delete()
        units = [org_tree.police, org_tree.cg_police]
        rule = ListRule(
            [item(org_tree, key=f"{count}-{n}", unit=units[n % 2]) for n in range(count)]
        )
        with CaptureQueriesContext(connection) as queries:
            report = run_deadline_sweep(now=DUE + dt.timedelta(minutes=1), rules=[rule])
        assert (report.escalations, report.errors) == (count, 0)
        return len(queries)

    # one batch: markers, inbox rows, SMS lock / dedup / rate limits / rows, recipients per
    # (level, unit) once; nothing per item
    assert sending_queries(10) == sending_queries(60)
    assert Notification.objects.filter(recipient=people["leader"]).count() == 35
    assert SmsMessage.objects.filter(status=SmsStatus.RATE_LIMITED).count() == 35 - 3
