"""Bulk-imported ratings (no post_save) close their cases' supplementary tasks, set-based."""

import datetime as dt

import pytest

from haochaping.coverage import events, services
from haochaping.coverage.enums import TaskResolution, TaskStatus
from haochaping.coverage.imports import tasks_close_on_import
from haochaping.coverage.models import CoverageEvent, SupplementaryTask
from haochaping.coverage.tests.conftest import at, online_case
from haochaping.ratings.enums import Channel
from haochaping.ratings.tests.helpers import imported_ratings

pytestmark = pytest.mark.django_db


def test_an_imported_chunk_closes_its_cases_tasks(org_tree, people, clock):
    # given: three unrated online cases with tasks, and a case without one
    cases = [online_case(org_tree, completed=at("2026-11-04 15:00")) for _i in range(3)]
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    no_task = online_case(org_tree, completed=at("2026-11-05 08:00"))
    assert SupplementaryTask.objects.filter(status=TaskStatus.OPEN).count() == 3
    # when: one chunk rates two of them and the task-less case, another writes a system default
    imported_ratings([cases[0], cases[1], no_task], channel=Channel.PC)
    imported_ratings([cases[2]], channel=Channel.MOBILE, is_system_default=True)
    # then
    tasks = {t.case_id: t for t in SupplementaryTask.objects.select_related("rating")}
    assert [(tasks[c.pk].status, tasks[c.pk].resolution, tasks[c.pk].on_time) for c in cases] == [
        (TaskStatus.RATED, TaskResolution.OTHER_CHANNEL, True),
        (TaskStatus.RATED, TaskResolution.OTHER_CHANNEL, True),
        (TaskStatus.DEFAULTED, TaskResolution.SYSTEM_DEFAULT, False),
    ]
    assert all(tasks[c.pk].rating.case_id == c.pk for c in cases)
    assert all(tasks[c.pk].closed_at is not None for c in cases)
    closed = CoverageEvent.objects.filter(type=events.TASK_CLOSED).order_by("subject_id")
    assert [(e.subject_id, e.payload["resolution"]) for e in closed] == [
        (tasks[c.pk].pk, str(tasks[c.pk].resolution)) for c in cases
    ]
    assert closed[0].payload["receipt"] == tasks[cases[0].pk].rating.receipt


def test_a_chunk_handled_twice_closes_nothing_twice(org_tree, people, clock):
    # given
    case = online_case(org_tree, completed=at("2026-11-04 15:00"))
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    ids = imported_ratings([case], channel=Channel.SMS)
    task = SupplementaryTask.objects.get(case=case)
    assert (task.status, task.resolution) == (TaskStatus.RATED, TaskResolution.SMS_LINK)
    # when
    again = tasks_close_on_import(ids)
    # then
    assert again == 0
    assert CoverageEvent.objects.filter(type=events.TASK_CLOSED).count() == 1
