"""/api/v1/coverage/ through HTTP: success, 401, 403, 404, 409, 422."""

import datetime as dt
import json

import pytest
from django.test import Client

from haochaping.coverage import services
from haochaping.coverage.models import Comment, SupplementaryTask
from haochaping.coverage.tests.conftest import at, login, new_mobile, online_case
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def task(org_tree, people, clock):
    case = online_case(org_tree, completed=at("2026-11-04 15:00"))
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    return SupplementaryTask.objects.get(case=case)


def test_tasks_list_detail_and_phone_answer(org_tree, people, task):
    client = login(people.window)
    listing = client.get("/api/v1/coverage/tasks").json()
    assert listing["count"] == 1
    assert listing["items"][0]["projectNo"] == task.case.project_no
    assert listing["items"][0]["dueAt"] == "2026-11-11T18:00:00+08:00"
    response = post(
        client,
        f"/api/v1/coverage/tasks/{task.pk}/phone-answer",
        {"satisfaction": 5, "writingEvaluation": "满意"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["resolution"], body["onTime"]) == ("rated", "phone", True)
    again = post(client, f"/api/v1/coverage/tasks/{task.pk}/phone-answer", {"satisfaction": 5})
    assert again.status_code == 409
    assert again.json()["message"] == "This task is already closed."
    detail = client.get(f"/api/v1/coverage/tasks/{task.pk}").json()
    assert [a["kind"] for a in detail["attempts"]] == ["phone_answer"]


def test_task_errors(org_tree, people, task):
    assert Client().get("/api/v1/coverage/tasks").status_code == 401
    assert Client().get("/api/v1/coverage/tasks").json()["code"] == "auth_missing"
    assert login(people.reviewer).get("/api/v1/coverage/tasks").status_code == 403
    assert login(people.dx_window).get(f"/api/v1/coverage/tasks/{task.pk}").status_code == 404
    bad = post(
        login(people.window), f"/api/v1/coverage/tasks/{task.pk}/phone-answer", {"satisfaction": 9}
    )
    assert bad.status_code == 422
    assert bad.json()["extra"] == {"errors": {"satisfaction": ["Satisfaction is 1 to 5."]}}
    sms = post(login(people.window), f"/api/v1/coverage/tasks/{task.pk}/sms", {"language": "bo"})
    assert sms.status_code == 201 and sms.json()["status"] == "invited"


def test_online_rating_rate_endpoint(org_tree, people, task, clock):
    rated = online_case(org_tree, completed=at("2026-11-03 10:00"))
    rating_submit(
        case=rated, level=Level.SATISFIED, channel=Channel.PC, assessed_at=at("2026-11-03 11:00")
    )
    body = (
        login(people.liaison)
        .get("/api/v1/coverage/online-rating-rate?since=2026-11-01&until=2026-11-05")
        .json()
    )
    assert body["total"]["onlineCompleted"] == 2
    assert body["total"]["rate"] == {
        "numerator": 1,
        "denominator": 2,
        "value": 0.5,
        "percent": "50.0%",
    }
    assert [u["unitId"] for u in body["units"]] == [org_tree.police.pk]
    completion = (
        login(people.liaison)
        .get("/api/v1/coverage/supplementary-completion?since=2026-11-01&until=2026-11-30")
        .json()
    )
    assert (completion["due"], completion["onTime"], completion["open"]) == (1, 0, 1)


def test_comment_register_and_classify(org_tree, people, clock):
    client = login(people.liaison)
    response = post(
        client,
        "/api/v1/coverage/comments",
        {
            "source": "email",
            "about": "item",
            "taskCode": org_tree.items["id_card"].task_code,
            "text": "身份证办理要求提供办事指南以外的证明。",
            "sourceRef": "mail-42",
        },
    )
    assert response.status_code == 201, response.content
    c = response.json()
    assert (c["unit"]["id"], c["status"], c["citizenSubmitted"]) == (
        org_tree.police.pk,
        "new",
        False,
    )
    classified = post(
        client,
        f"/api/v1/coverage/comments/{c['id']}/classify",
        {"sentiment": "negative", "topic": "process", "satisfaction": 2},
    )
    assert classified.status_code == 200, classified.content
    out = classified.json()
    assert out["status"] == "routed"
    assert out["rectification"]["unitId"] == org_tree.police.pk
    assert out["receipt"] == Comment.objects.get().rating.receipt
    counts = client.get("/api/v1/coverage/comments/counts?since=2026-11-01&until=2026-11-30").json()
    assert counts["bySource"] == {"email": 1}
    assert (
        post(
            login(people.window),
            "/api/v1/coverage/comments",
            {"source": "email", "about": "unit", "text": "x"},
        ).status_code
        == 403
    )
    bad = post(client, "/api/v1/coverage/comments", {"source": "fax", "about": "unit", "text": ""})
    assert bad.status_code == 422
    assert bad.json()["extra"]["errors"]["source"] == ["Choose where the comment came from."]


def test_samples_interviews_and_visits(org_tree, people, clock):
    case = online_case(org_tree, completed=at("2026-11-02 10:00"))
    rating_submit(
        case=case,
        level=Level.SATISFIED,
        channel=Channel.PC,
        assessed_at=at("2026-11-02 11:00"),
        evaluator_mobile=new_mobile(),
    )
    client = login(people.supervisor)
    response = post(
        client,
        "/api/v1/coverage/samples",
        {
            "kind": "callback",
            "name": "回访",
            "strata": ["unit"],
            "perStratum": 5,
            "since": "2026-11-01",
            "until": "2026-11-05",
            "seed": 42,
        },
    )
    assert response.status_code == 201, response.content
    sample = response.json()
    assert (sample["seed"], sample["population"], len(sample["entries"])) == (42, 1, 1)
    entry = sample["entries"][0]
    assert entry["projectNo"] == case.project_no
    assert client.get(f"/api/v1/coverage/samples/{sample['id']}/reproduces").json()["reproduces"]
    interview = post(
        client,
        f"/api/v1/coverage/samples/{sample['id']}/entries/{entry['id']}/interview",
        {"outcome": "reached", "confirmsRating": "no"},
    )
    assert interview.status_code == 201 and interview.json()["mismatch"] is True
    assert [m["receipt"] for m in client.get("/api/v1/coverage/interview-mismatches").json()] == [
        entry["receipt"]
    ]
    visit = post(
        client,
        "/api/v1/coverage/visits",
        {
            "unitId": org_tree.police.pk,
            "visitedAt": "2026-11-04T10:00:00+08:00",
            "scenario": "咨询",
            "findings": "良好",
            "satisfaction": 5,
        },
    )
    assert visit.status_code == 201, visit.content
    v = visit.json()
    added = post(
        client,
        f"/api/v1/coverage/visits/{v['id']}/follow-ups",
        {"description": "表扬窗口", "unitId": org_tree.police.pk, "dueDate": "2026-11-10"},
    )
    action_id = added.json()["actions"][0]["id"]
    done = post(client, f"/api/v1/coverage/follow-ups/{action_id}/done", {"note": "已通报表扬"})
    assert done.json()["actions"][0]["status"] == "done"
    assert login(people.window).get("/api/v1/coverage/samples").status_code == 403
    assert (
        post(
            login(people.leader),
            "/api/v1/coverage/visits",
            {
                "unitId": org_tree.police.pk,
                "visitedAt": "2026-11-04T10:00:00+08:00",
                "scenario": "x",
                "findings": "y",
                "satisfaction": 5,
            },
        ).status_code
        == 403
    )
