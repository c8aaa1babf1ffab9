"""The 1/5/15 working-day clocks: across holidays, complex items, pauses, calendar changes,
clock states and the deadline sweep."""

import datetime as dt

import pytest
import time_machine

from haochaping.jobs.deadlines import run_deadline_sweep
from haochaping.notifications.models import Notification
from haochaping.org.enums import UnitKind
from haochaping.org.services import unit_create
from haochaping.rectification import services
from haochaping.rectification.deadlines import RULES
from haochaping.rectification.enums import ClockState, Status
from haochaping.rectification.models import Rectification
from haochaping.rectification.selectors import clock_info
from haochaping.rectification.tests.helpers import at, bad_rating, open_rectification
from haochaping.testing.builders import make_credit_code
from haochaping.workdays.services import entry_create

pytestmark = pytest.mark.django_db


def test_bad_review_before_national_day(org_tree, people):
    # given a bad review on 2026-09-30, the day before the National Day holiday (10/1-10/7)
    with time_machine.travel(at("2026-09-30 10:00"), tick=False):
        r = open_rectification(org_tree)
        # when the handler marks it complex at once
        services.rectification_contact(
            rectification_id=r.pk, note="已联系", acting_user=people.handler
        )
        complex_r = services.rectification_mark_complex(
            rectification_id=r.pk, reason="涉及多部门", acting_user=people.handler
        )
    # then: contact on the first working day after the holiday; Sat 10/10 is a make-up day
    assert r.contact_due_at == at("2026-10-08 18:00")
    assert r.feedback_due_at == at("2026-10-13 18:00")  # 10/8, 10/9, 10/10, 10/12, 10/13
    assert complex_r.feedback_due_at == at("2026-10-27 18:00")  # 15 working days
    assert (complex_r.feedback_days, complex_r.is_complex) == (15, True)


def test_bad_review_before_spring_festival_and_losar_in_lhasa(org_tree, people):
    # given a bad review on Friday 2026-02-13 at Chengguan (Spring Festival + Losar: 2/15-2/26
    # off in Lhasa; Sat 2/14 and Sat 2/28 are working days)
    with time_machine.travel(at("2026-02-13 16:00"), tick=False):
        r = open_rectification(org_tree, unit=org_tree.cg_police)
        # and one for a unit outside Lhasa (Tibet-wide: the national calendar only)
        tibet_unit = unit_create(
            name="西藏自治区某厅",
            kind=UnitKind.DEPARTMENT,
            credit_code=make_credit_code("540000", 999001),
            region=org_tree.tibet,
        )
        national = open_rectification(org_tree, unit=tibet_unit)
    # then
    assert r.contact_due_at == at("2026-02-14 18:00")
    assert r.feedback_due_at == at("2026-03-03 18:00")  # 2/14, 2/27, 2/28, 3/2, 3/3
    assert national.contact_due_at == at("2026-02-14 18:00")
    assert national.feedback_due_at == at("2026-02-27 18:00")  # 2/14, 2/24, 2/25, 2/26, 2/27


def test_complex_from_the_start_across_spring_festival(org_tree, people):
    with time_machine.travel(at("2026-02-13 16:00"), tick=False):
        r = open_rectification(org_tree, unit=org_tree.cg_police)
        services.rectification_contact(
            rectification_id=r.pk, note="已联系", acting_user=people.cg_handler
        )
        r = services.rectification_start(
            rectification_id=r.pk,
            note="开始整改",
            is_complex=True,
            complex_reason="需要修改办事指南",
            acting_user=people.cg_handler,
        )
    # 2/14 (1), 2/27, 2/28, 3/2-3/6 (8), 3/9-3/13 (13), 3/16 (14), 3/17 (15)
    assert r.feedback_due_at == at("2026-03-17 18:00")


def test_close_clock_starts_with_the_feedback(org_tree, people, clock):
    r = open_rectification(org_tree)
    clock.move_to(at("2026-10-14 11:00"))
    services.rectification_contact(rectification_id=r.pk, note="联系", acting_user=people.handler)
    r = services.rectification_fix_at_once(
        rectification_id=r.pk, note="当场整改", acting_user=people.handler
    )
    assert r.close_started_at == at("2026-10-14 11:00")
    assert r.close_due_at == at("2026-10-21 18:00")
    assert r.contact_overdue is True  # due 10-13 18:00, done 10-14
    assert r.feedback_overdue is False


def test_reopen_gives_new_clocks(org_tree, people, clock):
    from haochaping.rectification.tests.helpers import advance

    r = advance(
        open_rectification(org_tree),
        Status.REOPENED,
        handler=people.handler,
        liaison=people.liaison,
    )
    assert (r.reopen_count, r.contacted_at, r.feedback_at, r.close_due_at) == (1, None, None, None)
    assert r.contact_due_at == at("2026-10-13 18:00")
    assert r.feedback_due_at == at("2026-10-19 18:00")


def test_pause_and_resume_shift_running_deadlines(org_tree, people, clock):
    # given a contacted item (feedback due Monday 10-19)
    r = open_rectification(org_tree)
    services.rectification_contact(rectification_id=r.pk, note="联系", acting_user=people.handler)
    # when an appeal pauses it on Tuesday and it resumes on Friday (3 working days)
    clock.move_to(at("2026-10-13 10:00"))
    services.rectification_pause(
        rectification_id=r.pk, reason="工作人员申请复核", acting_user=people.reviewer
    )
    clock.move_to(at("2026-10-16 10:00"))
    r = services.rectification_resume(
        rectification_id=r.pk, note="复核维持", acting_user=people.reviewer
    )
    # then the feedback clock moves by 3 working days; the finished contact clock does not
    assert r.feedback_due_at == at("2026-10-22 18:00")
    assert (r.feedback_days, r.paused_workdays, r.paused_at) == (8, 3, None)
    assert r.contact_due_at == at("2026-10-13 18:00")
    event = r.events.get(type="rectification.resumed")
    assert event.payload == {
        "paused_workdays": 3,
        "moved": {"feedback": "2026-10-22T18:00:00+08:00"},
    }


def test_pause_without_shift_when_configured(org_tree, people, clock, settings):
    settings.HAOCHAPING_RECTIFICATION = {"PAUSE_DURING_APPEAL": False}
    r = open_rectification(org_tree)
    services.rectification_pause(rectification_id=r.pk, reason="复核", acting_user=None)
    clock.move_to(at("2026-10-16 10:00"))
    r = services.rectification_resume(rectification_id=r.pk, acting_user=None)
    assert (r.contact_due_at, r.paused_workdays) == (at("2026-10-13 18:00"), 0)


def test_pause_twice_and_resume_unpaused_are_refused(org_tree, people, clock):
    from haochaping.core.exceptions import InvalidTransition

    r = open_rectification(org_tree)
    with pytest.raises(InvalidTransition) as exc:
        services.rectification_resume(rectification_id=r.pk, acting_user=people.reviewer)
    assert exc.value.message == "The clocks of this rectification are not paused."
    services.rectification_pause(rectification_id=r.pk, reason="复核", acting_user=people.reviewer)
    with pytest.raises(InvalidTransition) as exc:
        services.rectification_pause(
            rectification_id=r.pk, reason="复核", acting_user=people.reviewer
        )
    assert exc.value.message == "The clocks of this rectification are already paused."


def test_a_new_holiday_moves_open_deadlines_and_says_so(org_tree, people, clock, liaison_admin):
    # given an item whose feedback is due Monday 10-19
    r = open_rectification(org_tree)
    closed = open_rectification(org_tree)
    services.rectification_fix_at_once(
        rectification_id=closed.pk, note="已改", acting_user=people.handler
    )
    # when Lhasa declares Thursday 10-15 a holiday
    result = entry_create(
        date=dt.date(2026, 10, 15),
        kind="holiday",
        name="临时假日",
        source="test",
        region_code="540100",
        acting_user=liaison_admin,
    )
    # then
    r.refresh_from_db()
    assert result.recomputed == {"rectification": 2}
    assert r.feedback_due_at == at("2026-10-20 18:00")
    assert r.contact_due_at == at("2026-10-13 18:00")  # the window (10-12, 10-13] is untouched
    event = r.events.get(type="rectification.deadlines_recomputed")
    assert event.payload == {
        "moved": {
            "feedback": {"from": "2026-10-19T18:00:00+08:00", "to": "2026-10-20T18:00:00+08:00"}
        }
    }
    assert event.note == "The working-day calendar changed; deadlines recomputed."


def test_a_holiday_elsewhere_moves_nothing(org_tree, people, clock, liaison_admin):
    r = open_rectification(org_tree)
    result = entry_create(
        date=dt.date(2026, 10, 15),
        kind="holiday",
        name="当雄赛马节",
        source="test",
        region_code="540122",
        acting_user=liaison_admin,
    )
    r.refresh_from_db()
    assert result.recomputed == {"rectification": 0}
    assert r.feedback_due_at == at("2026-10-19 18:00")


@pytest.mark.parametrize(
    ("moment", "state", "remaining"),
    [
        ("2026-10-12 09:00", ClockState.WARNING, 1),  # contact due tomorrow 18:00
        ("2026-10-13 17:59", ClockState.WARNING, 0),
        ("2026-10-13 18:01", ClockState.OVERDUE, 0),
        ("2026-10-15 09:00", ClockState.OVERDUE, -2),
    ],
)
def test_clock_state_of_a_new_item(org_tree, people, clock, moment, state, remaining):
    r = open_rectification(org_tree)
    info = clock_info(r, now=at(moment))
    assert (info.name, info.state, info.remaining_workdays) == ("contact", state, remaining)


def test_feedback_clock_is_ok_with_days_to_spare(org_tree, people, clock):
    r = open_rectification(org_tree)
    r = services.rectification_contact(
        rectification_id=r.pk, note="联系", acting_user=people.handler
    )
    info = clock_info(r, now=at("2026-10-12 10:00"))
    assert (info.name, info.state, info.remaining_workdays) == ("feedback", ClockState.OK, 5)
    r = services.rectification_pause(
        rectification_id=r.pk, reason="复核", acting_user=people.reviewer
    )
    assert (
        clock_info(r, now=at("2026-10-30 10:00")).state == ClockState.WARNING
    )  # paused: not overdue


def test_the_sweep_warns_then_escalates_and_flags_overdue(org_tree, people, clock):
    # given a new item (contact window 10-12 09:00 → 10-13 18:00)
    r = open_rectification(org_tree)
    # when the sweep runs at 80% of the window
    report = run_deadline_sweep(now=at("2026-10-13 13:00"), rules=RULES)
    # then the handler is reminded and the timeline says so
    assert report.warnings == 1
    assert (
        Notification.objects.filter(recipient=people.handler, message="deadline.warning").count()
        == 1
    )
    assert r.events.filter(type="rectification.deadline_warned").count() == 1
    # when the deadline passes, escalations go up one level per day
    run_deadline_sweep(now=at("2026-10-13 18:30"), rules=RULES)
    run_deadline_sweep(now=at("2026-10-14 18:30"), rules=RULES)
    run_deadline_sweep(now=at("2026-10-15 18:30"), rules=RULES)
    # then
    r.refresh_from_db()
    assert r.contact_overdue is True
    levels = [e.payload["level"] for e in r.events.filter(type="rectification.deadline_escalated")]
    assert levels == [1, 2, 3]
    assert (
        Notification.objects.filter(recipient=people.liaison, message="deadline.escalated").count()
        == 1
    )
    assert (
        Notification.objects.filter(
            recipient=people.supervisor, message="deadline.escalated"
        ).count()
        == 1
    )


def test_the_sweep_skips_paused_and_done_clocks(org_tree, people, clock):
    paused = open_rectification(org_tree)
    services.rectification_pause(
        rectification_id=paused.pk, reason="复核", acting_user=people.reviewer
    )
    done = open_rectification(org_tree)
    services.rectification_contact(
        rectification_id=done.pk, note="联系", acting_user=people.handler
    )
    report = run_deadline_sweep(now=at("2026-10-14 10:00"), rules=RULES[:1])
    assert report.as_dict() == {"items": 0, "warnings": 0, "escalations": 0, "errors": 0}
    assert not Rectification.objects.filter(contact_overdue=True).exists()


def test_bad_review_received_on_a_holiday(org_tree, people):
    # a rating on National Day itself: the first working day after the holiday is the deadline
    with time_machine.travel(at("2026-10-03 12:00"), tick=False):
        r = open_rectification(org_tree)
    assert r.contact_due_at == at("2026-10-08 18:00")
    assert bad_rating  # helper import used elsewhere


def test_a_steady_sweep_costs_the_same_queries_for_2_or_6_open_items(org_tree, people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def steady_queries(minute):
        with CaptureQueriesContext(connection) as queries:
            report = run_deadline_sweep(now=at(f"2026-10-13 13:{minute:02d}"), rules=RULES)
        assert (report.warnings, report.escalations, report.errors) == (0, 0, 0)
        return len(queries), report.items

    for _ in range(2):
        open_rectification(org_tree)
    assert run_deadline_sweep(now=at("2026-10-13 13:00"), rules=RULES).warnings == 2
    few = steady_queries(1)
    for _ in range(4):
        open_rectification(org_tree)
    assert run_deadline_sweep(now=at("2026-10-13 13:02"), rules=RULES).warnings == 4
    many = steady_queries(3)
    # one listing query per rule, one marker query for the rule with candidates
    assert (few, many) == ((4, 2), (4, 6))


def test_rules_list_only_items_past_their_first_warning_point_or_deadline(org_tree, people, clock):
    # contact window 10-12 09:00 → 10-13 18:00 (33 h): the 50 % point is 10-13 01:30
    r = open_rectification(org_tree)
    contact = RULES[0]
    assert list(contact.due_items(now=at("2026-10-13 01:29"))) == []
    listed = list(contact.due_items(now=at("2026-10-13 01:30")))
    assert [(i.key, i.started_at, i.due_at) for i in listed] == [
        (str(r.pk), r.contact_started_at, r.contact_due_at)
    ]
    # listed lightly: recipients and label only when a hook fires
    assert listed[0].unit is None and listed[0].assignee_ids == ()
    resolved = contact.resolve(listed[0])
    assert (resolved.unit, resolved.label) == (r.unit, r.label)
    assert resolved.assignee_ids == ((r.handler_id,) if r.handler_id else ())
