"""Staff pages through the test client: figures, task actions, samples, visits, refusals."""

import datetime as dt

import pytest
from django.test import Client

from haochaping.coverage import services
from haochaping.coverage.models import MysteryVisit, Sample, SupplementaryTask
from haochaping.coverage.tests.conftest import at, login, new_mobile, online_case
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(org_tree, people, clock):
    case = online_case(org_tree, completed=at("2026-11-04 15:00"))
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    return SupplementaryTask.objects.get(case=case)


def test_index_shows_the_rate_per_unit(org_tree, people, task):
    rated = online_case(org_tree, completed=at("2026-11-03 10:00"))
    rating_submit(
        case=rated, level=Level.SATISFIED, channel=Channel.PC, assessed_at=at("2026-11-03 11:00")
    )
    html = (
        login(people.liaison).get("/coverage/?since=2026-11-01&until=2026-11-05").content.decode()
    )
    assert '<dd data-figure="online-rate">50.0%</dd>' in html
    assert f'<td data-rate="{org_tree.police.pk}">50.0%</td>' in html
    assert login(people.reviewer).get("/coverage/").status_code == 403
    assert Client().get("/coverage/").status_code == 302  # to the login page


def test_task_page_actions(org_tree, people, task):
    client = login(people.window)
    assert task.case.project_no in client.get("/coverage/tasks/").content.decode()
    response = client.post(f"/coverage/tasks/{task.pk}/", {"action": "not_reached"})
    assert response.status_code == 302
    response = client.post(f"/coverage/tasks/{task.pk}/", {"action": "phone", "level": "satisfied"})
    assert response.status_code == 302
    html = client.get(f"/coverage/tasks/{task.pk}/").content.decode()
    assert 'data-status="rated"' in html
    assert "Phone answer recorded by staff" in html
    # closed: a second answer is refused with the message
    response = client.post(
        f"/coverage/tasks/{task.pk}/", {"action": "phone", "level": "satisfied"}, follow=True
    )
    assert response.status_code == 409
    assert "This task is already closed." in response.content.decode()
    assert login(people.dx_window).get(f"/coverage/tasks/{task.pk}/").status_code == 404


def test_bad_input_on_a_staff_form_comes_back_with_the_message(org_tree, people, task):
    client = login(people.window)
    response = client.post(f"/coverage/tasks/{task.pk}/", {"action": "declined"}, follow=True)
    assert response.status_code == 200
    assert "Say what the citizen answered." in response.content.decode()


def test_sample_and_visit_pages(org_tree, people, clock):
    case = online_case(org_tree, completed=at("2026-11-02 10:00"))
    rating_submit(
        case=case,
        level=Level.SATISFIED,
        channel=Channel.PC,
        assessed_at=at("2026-11-02 11:00"),
        evaluator_mobile=new_mobile(),
    )
    client = login(people.supervisor)
    response = client.post(
        "/coverage/samples/",
        {
            "name": "十一月回访",
            "kind": "callback",
            "strata": ["unit", "channel"],
            "per_stratum": "3",
            "since": "2026-11-01",
            "until": "2026-11-05",
            "exclude_days": "90",
            "seed": "99",
        },
    )
    sample = Sample.objects.get()
    assert response["Location"] == f"/coverage/samples/{sample.pk}/"
    html = client.get(f"/coverage/samples/{sample.pk}/?verify=1").content.decode()
    assert 'data-reproduces="yes"' in html and case.project_no in html
    entry = sample.entries.get()
    client.post(
        f"/coverage/samples/{sample.pk}/",
        {"entry": entry.pk, "outcome": "reached", "confirms_rating": "yes", "pressured": "yes"},
    )
    assert "cov-flag" in client.get(f"/coverage/samples/{sample.pk}/").content.decode()
    response = client.post(
        "/coverage/visits/",
        {
            "unit": org_tree.police.pk,
            "visited_at": "2026-11-04T10:00",
            "scenario": "咨询户籍",
            "findings": "工作人员耐心。",
            "level": "very_satisfied",
        },
    )
    visit = MysteryVisit.objects.get()
    assert response["Location"] == f"/coverage/visits/{visit.pk}/"
    client.post(
        f"/coverage/visits/{visit.pk}/",
        {
            "action": "add",
            "description": "通报表扬",
            "unit": org_tree.police.pk,
            "due_date": "2026-11-10",
        },
    )
    assert "通报表扬" in client.get(f"/coverage/visits/{visit.pk}/").content.decode()
    assert login(people.window).get("/coverage/samples/").status_code == 403
