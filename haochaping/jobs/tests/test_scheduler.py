"""Schedules (pure) and the once-per-period guarantee of the scheduler."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from haochaping.jobs.models import PeriodicRun
from haochaping.jobs.periodic import (
    PERIODIC_JOBS,
    Daily,
    Every,
    MonthlyFirstWorkingDay,
    periodic_jobs,
)
from haochaping.jobs.scheduler import Scheduler

LHASA = dt.timezone(dt.timedelta(hours=8))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LHASA)


def test_every_minute_keys_by_local_minute():
    assert Every(60).period_key(at(2026, 11, 30, 9, 15, 59)) == "2026-11-30T09:15"
    assert Every(60).period_key(at(2026, 11, 30, 9, 16, 0)) == "2026-11-30T09:16"
    assert Every(2).period_key(at(2026, 11, 30, 9, 16, 3)) == "2026-11-30T09:16:02"


def test_daily_is_due_from_its_time_on():
    daily = Daily(dt.time(8, 30))
    assert daily.period_key(at(2026, 11, 30, 8, 29)) is None
    assert daily.period_key(at(2026, 11, 30, 8, 30)) == "2026-11-30"
    # 23:30 UTC on the 29th is already the 30th in Lhasa
    assert daily.period_key(dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)) is None
    assert daily.period_key(dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)) == "2026-11-30"


@pytest.mark.django_db
def test_monthly_waits_for_the_first_working_day():
    monthly = MonthlyFirstWorkingDay(dt.time(7, 0))
    # 2026-11-01 is a Sunday: the first working day is Monday the 2nd
    assert monthly.period_key(at(2026, 11, 1, 12, 0)) is None
    assert monthly.period_key(at(2026, 11, 2, 6, 59)) is None
    assert monthly.period_key(at(2026, 11, 2, 7, 0)) == "2026-11"
    assert monthly.period_key(at(2026, 11, 20, 7, 0)) == "2026-11"
    # October 2026: 1-7 is the National Day holiday, so the 8th is the first working day
    assert monthly.period_key(at(2026, 10, 7, 12, 0)) is None
    assert monthly.period_key(at(2026, 10, 8, 7, 0)) == "2026-10"


def test_the_registry_names_the_jobs_of_the_issue():
    names = [job.name for job in PERIODIC_JOBS]
    assert {
        "deadline-sweep",
        "outbox-drain",
        "supplementary-rating-tasks",
        "monthly-report",
    } <= set(names)
    assert len(names) == len(set(names))


def test_extra_periodic_jobs_come_from_settings(settings):
    settings.HAOCHAPING_JOBS = {"EXTRA_PERIODIC": "haochaping.jobs.tests.fixture_tasks.PERIODIC"}
    assert periodic_jobs()[-1].name == "probe-every-2s"


@pytest.mark.django_db
def test_two_schedulers_in_the_same_period_enqueue_once(settings):
    # given only the test's job
    settings.HAOCHAPING_JOBS = {"EXTRA_PERIODIC": "haochaping.jobs.tests.fixture_tasks.PERIODIC"}
    now = at(2026, 11, 30, 9, 0, 1)
    first, second = Scheduler("a"), Scheduler("b")
    # when both tick in the same 2-second period
    created_a = [run.name for run in first.tick(now)]
    created_b = [run.name for run in second.tick(now + dt.timedelta(seconds=0.5))]
    # then only the first enqueued it
    assert "probe-every-2s" in created_a
    assert "probe-every-2s" not in created_b
    run = PeriodicRun.objects.get(name="probe-every-2s")
    assert (run.period_key, run.scheduler_id) == ("2026-11-30T09:00:00", "a")
    job = DBTaskResult.objects.get(pk=run.task_result_id)
    assert job.args_kwargs == {"args": [], "kwargs": {"period": "2026-11-30T09:00:00"}}
    # and in the next period the other one may win
    created = second.tick(now + dt.timedelta(seconds=2))
    assert [r.period_key for r in created if r.name == "probe-every-2s"] == ["2026-11-30T09:00:02"]


@pytest.mark.django_db
def test_a_job_whose_task_is_missing_is_skipped_not_fatal(settings, caplog):
    from haochaping.jobs.periodic import PeriodicJob

    settings.HAOCHAPING_JOBS = {"EXTRA_PERIODIC": "haochaping.jobs.tests.test_scheduler.BROKEN"}
    created = Scheduler("c").tick(at(2026, 11, 30, 9, 0, 1))
    assert "nowhere-job" not in [r.name for r in created]
    assert (
        "periodic job nowhere-job: task haochaping.nowhere.tasks.job cannot be imported; skipped"
        in caplog.text
    )
    assert isinstance(BROKEN[0], PeriodicJob)


from haochaping.jobs.periodic import PeriodicJob  # noqa: E402

BROKEN = [PeriodicJob("nowhere-job", Every(60), "haochaping.nowhere.tasks.job")]
