"""The jobs page: queue depth, lag, failures, workers, periodic jobs; requeue of a parked job."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import translation
from django.utils.html import escape
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.accounts.enums import Role
from haochaping.core.exceptions import InvalidTransition
from haochaping.jobs.recovery import heartbeat_beat
from haochaping.jobs.selectors import queue_stats
from haochaping.jobs.tests import fixture_tasks
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(client, org_tree):
    make_user("admin", Role.ADMIN, scope_region=org_tree.lhasa)
    client.login(username="admin", password="Test-pass-2026!")
    return client


def park(result_id, message="boom"):
    row = DBTaskResult.objects.get(pk=result_id)
    row.claim("w1")
    row.set_failed(RuntimeError(message))
    return row


def test_queue_depth_lag_and_failures():
    with time_machine.travel(T0, tick=False) as traveller:
        fixture_tasks.flaky_job.enqueue("a", failures=0)
        traveller.shift(dt.timedelta(seconds=30))
        fixture_tasks.flaky_job.enqueue("b", failures=0)
        fixture_tasks.flaky_job.using(run_after=T0 + dt.timedelta(hours=1)).enqueue(
            "later", failures=0
        )
        park(fixture_tasks.broken_job.enqueue().id)
        traveller.shift(dt.timedelta(seconds=15))
        (stats,) = queue_stats()
    assert (stats.queue, stats.ready, stats.scheduled, stats.running) == ("default", 2, 1, 0)
    assert stats.lag_seconds == 45.0
    assert (stats.failed_24h, stats.parked) == (1, 1)


def test_the_page_shows_queues_workers_periodic_jobs_and_parked_jobs(admin_client, settings):
    settings.HAOCHAPING_JOBS = {
        **settings.HAOCHAPING_JOBS,
        "EXTRA_PERIODIC": "haochaping.jobs.tests.fixture_tasks.MISSING_PERIODIC",
    }
    fixture_tasks.flaky_job.enqueue("a", failures=0)
    row = park(fixture_tasks.broken_job.enqueue().id, "rating 42 vanished")
    heartbeat_beat(worker_id="host-1-abc")
    html = admin_client.get("/jobs/").content.decode()
    assert '<td data-figure="ready">1</td>' in html
    assert '<td data-figure="parked">1</td>' in html
    assert "<td>host-1-abc</td>" in html and "运行中" in html
    assert '<tr data-periodic="deadline-sweep"><td>deadline-sweep</td><td>every 1 min</td>' in html
    assert re.search(r'data-periodic="site-report">.*?任务不存在', html, re.S)
    assert not re.search(r'data-periodic="monthly-report">[^\n]*?任务不存在', html)
    assert f'data-job="{row.id}"' in html and "RuntimeError: rating 42 vanished" in html


def test_requeue_gives_a_parked_job_fresh_attempts(admin_client):
    row = park(fixture_tasks.broken_job.enqueue().id)
    response = admin_client.post(f"/jobs/{row.id}/requeue", follow=True)
    assert f"任务 {row.id} 已重新排队。" in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.worker_ids, row.finished_at) == (TaskResultStatus.READY, [], None)


def test_requeue_of_a_job_that_is_not_parked_is_refused(admin_client):
    result = fixture_tasks.flaky_job.enqueue("a", failures=0)
    response = admin_client.post(f"/jobs/{result.id}/requeue", follow=True)
    with translation.override("zh-hans"):
        expected = escape(str(InvalidTransition.default_message))
    assert expected in response.content.decode()


def test_requeue_of_an_unknown_job_is_not_found(admin_client):
    assert admin_client.post("/jobs/not-a-uuid/requeue").status_code == 404
    assert (
        admin_client.post("/jobs/9b7f6c1e-0000-4000-8000-000000000000/requeue").status_code == 404
    )


def test_other_roles_may_not_see_or_requeue(client, org_tree):
    row = park(fixture_tasks.broken_job.enqueue().id)
    make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    client.login(username="liaison", password="Test-pass-2026!")
    assert client.get("/jobs/").status_code == 403
    assert client.post(f"/jobs/{row.id}/requeue").status_code == 403
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/jobs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_worker_command_help_lists_the_scheduler_switch():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "haochaping", "worker", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--no-scheduler" in out and "--batch" in out
