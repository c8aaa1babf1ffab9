"""Supplementary-rating tasks: creation, the 5-working-day clock (across holidays), SMS link,
phone answers, contacts without a rating, the deadline sweep, and system-default ratings."""

import datetime as dt
import re

import pytest
from django.utils.module_loading import import_string

from haochaping.accounts.access import access_supplementary_task
from haochaping.cases.enums import ApplyChannel
from haochaping.channels.models import StaffEntry
from haochaping.channels.services import rating_link_submit
from haochaping.core.exceptions import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from haochaping.coverage import events, services
from haochaping.coverage.enums import AttemptKind, TaskResolution, TaskStatus
from haochaping.coverage.models import CoverageEvent, SupplementaryTask
from haochaping.coverage.selectors import online_rating_rate
from haochaping.coverage.tests.conftest import at, online_case
from haochaping.jobs.deadlines import registered_rules, run_deadline_sweep
from haochaping.jobs.periodic import PERIODIC_JOBS
from haochaping.notifications.models import SmsMessage
from haochaping.ratings.enums import Channel, Level, Origin
from haochaping.ratings.models import RatingRollup
from haochaping.ratings.services import rating_submit
from haochaping.testing.builders import make_case

pytestmark = pytest.mark.django_db


def _task_for(case) -> SupplementaryTask:
    return SupplementaryTask.objects.get(case=case)


def _one_task(tree, clock, completed="2026-11-04 15:00", **kw):
    case = online_case(tree, completed=at(completed), **kw)
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    return _task_for(case)


def test_unrated_online_cases_completed_before_the_run_day_become_tasks(org_tree, people, clock):
    # given
    unrated = online_case(org_tree, completed=at("2026-11-04 15:00"))
    by_app = online_case(org_tree, completed=at("2026-11-03 11:00"), channel=ApplyChannel.APP)
    online_case(org_tree, completed=at("2026-11-04 15:00"), channel=ApplyChannel.WINDOW)
    rated = online_case(org_tree, completed=at("2026-11-04 15:00"))
    rating_submit(
        case=rated, level=Level.SATISFIED, channel=Channel.PC, assessed_at=at("2026-11-04 16:00")
    )
    online_case(org_tree, completed=at("2026-11-05 08:00"))  # today: not yet "unrated"
    online_case(org_tree, completed=at("2026-10-01 10:00"))  # older than the look-back

    # when
    created = services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    again = services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))

    # then
    assert (created, again) == (2, 0)
    tasks = SupplementaryTask.objects.order_by("started_at")
    assert [t.case_id for t in tasks] == [by_app.pk, unrated.pk]
    task = _task_for(unrated)
    assert (task.unit, task.status, task.days) == (org_tree.police, TaskStatus.OPEN, 5)
    assert task.due_at == at("2026-11-11 18:00")  # Thu 11-04 + 5 working days
    assert (
        CoverageEvent.objects.filter(
            subject="task", subject_id=task.pk, type=events.TASK_CREATED
        ).count()
        == 1
    )


def test_deadline_counts_working_days_across_national_day(org_tree, people, clock):
    # given an online case completed on the eve of the National Day holiday (10-01..10-07 off,
    # Sat 10-10 a make-up working day)
    clock.move_to(at("2026-10-01 01:00"))
    case = online_case(org_tree, completed=at("2026-09-30 10:00"))

    # when the daily job runs on 10-01
    services.supplementary_tasks_create(run_day=dt.date(2026, 10, 1))

    # then the fifth working day is Tue 10-13 (10-08, 10-09, 10-10, 10-12, 10-13)
    assert _task_for(case).due_at == at("2026-10-13 18:00")


def test_deadline_follows_the_units_regional_calendar_across_losar(org_tree, people, clock):
    # given a Chengguan case completed on Friday 2026-02-13 (Spring Festival and Losar merged:
    # 2/15-2/26 off, Sat 2/14 and Sat 2/28 working)
    clock.move_to(at("2026-02-14 01:00"))
    case = online_case(org_tree, completed=at("2026-02-13 10:00"), item_key="cg_hukou")

    # when
    services.supplementary_tasks_create(run_day=dt.date(2026, 2, 14))

    # then 2/14, 2/27, 2/28, 3/02, 3/03
    assert _task_for(case).due_at == at("2026-03-03 18:00")


def test_the_periodic_registry_runs_this_task(org_tree, people, clock):
    # given
    case = online_case(org_tree, completed=at("2026-11-04 15:00"))
    job = next(j for j in PERIODIC_JOBS if j.name == "supplementary-rating-tasks")

    # when
    result = import_string(job.task_path).call(period="2026-11-05")

    # then
    assert result == {"closed": 0, "created": 1, "defaults": 0, "expired": 0}
    assert _task_for(case).status == TaskStatus.OPEN


def test_sms_link_lets_the_citizen_rate_themselves(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)

    # when the window sends the link and the citizen rates through it
    attempt = services.task_sms_send(task_id=task.pk, acting_user=people.window)
    task.refresh_from_db()
    assert task.status == TaskStatus.INVITED
    sms = SmsMessage.objects.get(pk=attempt.sms_id)
    token = re.search(r"/r/([A-Za-z0-9_-]+)", sms.body).group(1)
    clock.move_to(at("2026-11-06 10:00"))
    rating_link_submit(token=token, level=Level.SATISFIED, option_codes=[])

    # then
    task.refresh_from_db()
    assert (task.status, task.resolution, task.on_time) == (
        TaskStatus.RATED,
        TaskResolution.SMS_LINK,
        True,
    )
    assert task.rating.channel == Channel.SMS
    assert task.rating.origin == Origin.CITIZEN
    assert attempt.kind == AttemptKind.SMS


def test_phone_answer_is_recorded_as_staff_entered(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)

    # when
    services.task_phone_answer_record(
        task_id=task.pk, level=Level.VERY_SATISFIED, text="办得很快", acting_user=people.window
    )

    # then
    task.refresh_from_db()
    assert (task.status, task.resolution, task.on_time) == (
        TaskStatus.RATED,
        TaskResolution.PHONE,
        True,
    )
    rating = task.rating
    assert (rating.channel, rating.is_staff_entered, rating.origin) == (
        Channel.PHONE,
        True,
        Origin.STAFF_ENTERED,
    )
    assert StaffEntry.objects.get(rating=rating).operator == people.window
    assert (
        RatingRollup.objects.get(unit=org_tree.police, level=Level.VERY_SATISFIED).origin == "staff"
    )
    with pytest.raises(InvalidTransition) as exc:
        services.task_phone_answer_record(
            task_id=task.pk, level=Level.SATISFIED, acting_user=people.window
        )
    assert str(exc.value.message) == "This task is already closed."


def test_contacts_without_a_rating(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)

    # when / then: not reached keeps the task open
    services.task_attempt_record(
        task_id=task.pk, kind=AttemptKind.PHONE_NOT_REACHED, acting_user=people.window
    )
    task.refresh_from_db()
    assert task.is_open
    with pytest.raises(InvalidInput) as exc:
        services.task_attempt_record(
            task_id=task.pk, kind=AttemptKind.DECLINED, acting_user=people.window
        )
    assert exc.value.extra == {"errors": {"note": ["Say what the citizen answered."]}}
    services.task_attempt_record(
        task_id=task.pk, kind=AttemptKind.DECLINED, note="不愿评价", acting_user=people.window
    )
    task.refresh_from_db()
    assert (task.status, task.resolution, task.on_time) == (
        TaskStatus.DECLINED,
        TaskResolution.DECLINED,
        False,
    )
    assert task.attempts.count() == 2


def test_a_late_rating_through_another_channel_closes_the_task_late(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)

    # when the citizen rates on the portal after the deadline (11-11 18:00)
    clock.move_to(at("2026-11-12 09:00"))
    rating_submit(
        case=task.case, level=Level.BASIC, channel=Channel.PC, assessed_at=at("2026-11-12 09:00")
    )

    # then
    task.refresh_from_db()
    assert (task.status, task.resolution, task.on_time) == (
        TaskStatus.RATED,
        TaskResolution.OTHER_CHANNEL,
        False,
    )


def test_access_to_tasks(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)

    # then
    assert access_supplementary_task(people.window, task.pk) == task
    with pytest.raises(NotFound):
        access_supplementary_task(people.dx_window, task.pk)
    with pytest.raises(PermissionDenied):
        access_supplementary_task(people.reviewer, task.pk)
    with pytest.raises(PermissionDenied):
        services.task_sms_send(task_id=task.pk, acting_user=people.leader)


def test_the_deadline_sweep_warns_then_escalates_and_marks_overdue(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)
    rule = next(r for r in registered_rules() if r.name == "coverage.supplementary")

    # when: 60 % of the window used, then past the deadline
    warned = run_deadline_sweep(now=at("2026-11-09 09:00"), rules=[rule])
    escalated = run_deadline_sweep(now=at("2026-11-11 18:30"), rules=[rule])

    # then
    assert (warned.warnings, escalated.escalations) == (1, 1)
    task.refresh_from_db()
    assert task.overdue is True
    types = list(
        CoverageEvent.objects.filter(subject="task", subject_id=task.pk).values_list(
            "type", flat=True
        )
    )
    assert types == [events.TASK_CREATED, events.TASK_WARNED, events.TASK_ESCALATED]


def test_tasks_expire_when_the_rating_window_ends(org_tree, people, clock):
    # given
    task = _one_task(org_tree, clock)

    # when
    assert services.tasks_expire(at=at("2026-12-03 09:00")) == 0
    assert services.tasks_expire(at=at("2026-12-05 09:00")) == 1

    # then
    task.refresh_from_db()
    assert (task.status, task.resolution) == (TaskStatus.EXPIRED, TaskResolution.EXPIRED)


# --- system-default ratings ----------------------------------------------------------------------


def test_system_defaults_are_marked_and_never_count_as_citizen_ratings(org_tree, people, clock):
    # given Lhasa writes defaults after 7 days, but Chengguan has switched them off
    services.default_policy_set(
        region=org_tree.lhasa, enabled=True, after_days=7, acting_user=people.admin
    )
    services.default_policy_set(region=org_tree.chengguan, enabled=False, acting_user=people.admin)
    clock.move_to(at("2026-10-20 01:00"))
    police = online_case(org_tree, completed=at("2026-10-09 10:00"))
    chengguan = online_case(org_tree, completed=at("2026-10-09 10:00"), item_key="cg_hukou")
    services.supplementary_tasks_create(run_day=dt.date(2026, 10, 10))
    task = _task_for(police)
    assert task.due_at == at("2026-10-15 18:00")  # Sat 10-10 is a make-up working day

    # when: during the task's window no default is written; after it, one is
    assert services.system_defaults_write(at=at("2026-10-15 17:00")) == 0
    written = services.system_defaults_write(at=at("2026-10-20 01:00"))

    # then
    assert written == 1
    task.refresh_from_db()
    assert (task.status, task.resolution, task.on_time) == (
        TaskStatus.DEFAULTED,
        TaskResolution.SYSTEM_DEFAULT,
        False,
    )
    rating = task.rating
    assert (rating.is_system_default, rating.level, rating.origin) == (
        True,
        Level.BASIC,
        Origin.SYSTEM_DEFAULT,
    )
    assert list(
        RatingRollup.objects.filter(unit=org_tree.police).values_list("origin", "count")
    ) == [("default", 1)]
    assert not chengguan.ratings.exists()
    rows = {
        r.unit_id: r
        for r in online_rating_rate(
            people.admin, since=dt.date(2026, 10, 9), until=dt.date(2026, 10, 9)
        )
    }
    row = rows[org_tree.police.pk]
    assert (row.online_completed, row.effective, row.citizen, row.default_only, row.unrated) == (
        1,
        0,
        0,
        1,
        0,
    )
    assert row.rate.percent == "0.0%"


def test_only_an_admin_sets_the_default_policy(org_tree, people):
    with pytest.raises(PermissionDenied):
        services.default_policy_set(region=org_tree.lhasa, enabled=True, acting_user=people.liaison)


def test_window_case_without_task_also_gets_a_default(org_tree, people, clock):
    # given
    services.default_policy_set(
        region=org_tree.lhasa, enabled=True, after_days=7, acting_user=people.admin
    )
    case = make_case(
        org_tree, accepted_at=at("2026-10-27 09:00"), completed_at=at("2026-10-28 10:00")
    )

    # when
    assert services.system_defaults_write(at=at("2026-11-04 09:59")) == 0  # 7 days not yet
    assert services.system_defaults_write(at=at("2026-11-05 09:00")) == 1

    # then
    assert case.ratings.get().channel == Channel.EVALUATOR


def test_supplementary_completion_on_a_hand_made_set(org_tree, people, clock):
    # given four tasks due in November: rated on time by phone, rated late on the portal,
    # declined, still open; and one due in December (completed 11-30, not counted)
    cases = [online_case(org_tree, completed=at(f"2026-11-0{d} 10:00")) for d in (2, 3, 4, 4)]
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    tasks = [_task_for(c) for c in cases]
    services.task_phone_answer_record(
        task_id=tasks[0].pk, level=Level.SATISFIED, acting_user=people.window
    )
    services.task_attempt_record(
        task_id=tasks[2].pk, kind=AttemptKind.DECLINED, note="不评", acting_user=people.window
    )
    clock.move_to(at("2026-11-12 09:00"))
    rating_submit(
        case=cases[1], level=Level.SATISFIED, channel=Channel.PC, assessed_at=at("2026-11-12 09:00")
    )
    clock.move_to(at("2026-12-01 02:00"))
    later = online_case(org_tree, completed=at("2026-11-30 10:00"))
    services.supplementary_tasks_create(run_day=dt.date(2026, 12, 1))
    assert _task_for(later).due_at == at("2026-12-07 18:00")

    # when
    from haochaping.coverage.selectors import supplementary_completion

    c = supplementary_completion(
        people.liaison, since=dt.date(2026, 11, 1), until=dt.date(2026, 11, 30)
    )

    # then
    assert c.as_dict() == {
        "due": 4,
        "onTime": 1,
        "late": 1,
        "declined": 1,
        "defaulted": 0,
        "expired": 0,
        "open": 1,
        "rate": {"numerator": 1, "denominator": 4, "value": 0.25, "percent": "25.0%"},
    }


def test_task_list_endpoint_query_count_does_not_grow(
    org_tree, people, clock, django_assert_max_num_queries
):
    from haochaping.coverage.tests.conftest import login

    for d in range(1, 5):
        online_case(org_tree, completed=at(f"2026-11-0{d} 10:00"))
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    client = login(people.liaison)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/coverage/tasks").json()["count"] == 4
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/coverage/online-rating-rate?since=2026-11-01").status_code == 200


def test_the_daily_job_closes_tasks_of_cases_rated_without_a_signal(org_tree, people, clock):
    # given a task whose case got a rating written without post_save (as the bulk importer does)
    from haochaping.ratings.models import Rating

    task = _one_task(org_tree, clock)
    rating = rating_submit(
        case=online_case(org_tree, completed=at("2026-11-04 15:00")),
        level=Level.SATISFIED,
        channel=Channel.PC,
        assessed_at=at("2026-11-04 16:00"),
    ).rating
    Rating.objects.filter(pk=rating.pk).update(case=task.case)  # moved under the task's case

    # when
    closed = services.tasks_close_rated()

    # then
    task.refresh_from_db()
    assert closed == 1
    assert (task.status, task.resolution, task.rating_id) == (
        TaskStatus.RATED,
        TaskResolution.OTHER_CHANNEL,
        rating.pk,
    )
