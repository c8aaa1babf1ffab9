"""/api/v1/appeals/: every endpoint — success, not logged in, wrong role, out of scope, invalid
transition, late filing, bad input — and no evaluator identity for the rated staff member."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from haochaping.appeals.models import AppealEvidence
from haochaping.appeals.tests.conftest import login
from haochaping.appeals.tests.helpers import (
    EVALUATOR,
    MOBILE,
    PDF,
    at,
    decided,
    filed,
    rectification_for,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/appeals"


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_file_an_appeal_with_evidence(org_tree, people, clock):
    r = rectification_for(org_tree)
    client = login(people.staff)
    response = client.post(
        BASE,
        {
            "rectificationId": r.pk,
            "reasons": "群众误评",
            "files": [SimpleUploadedFile("监控截图.pdf", PDF)],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["filedFor"], body["reviewerUnit"]["name"]) == (
        "pending",
        "staff",
        "拉萨市人民政府",
    )
    assert body["decisionDueAt"] == "2026-10-21T18:00:00+08:00"
    assert body["fileDueAt"] == "2026-10-15T18:00:00+08:00"
    # the evidence downloads for the staff member and the reviewer, as an attachment
    detail = client.get(f"{BASE}/{body['id']}").json()
    url = detail["evidence"][0]["url"]
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    assert login(people.reviewer).get(url).status_code == 200
    # not for another staff member or an out-of-scope reviewer
    assert login(people.other_staff).get(url).status_code == 404
    assert login(people.cg_reviewer).get(url).status_code == 404
    assert AppealEvidence.objects.get().size == len(PDF)


def test_filing_refusals(org_tree, people, clock):
    r = rectification_for(org_tree)
    # not logged in
    response = Client().post(BASE, {"rectificationId": r.pk, "reasons": "x"})
    assert (response.status_code, response.json()["code"]) == (401, "auth_missing")
    # wrong role
    response = login(people.leader).post(BASE, {"rectificationId": r.pk, "reasons": "x"})
    assert response.status_code == 403
    assert response.json()["message"] == "Your role may not do this: File an appeal."
    # out of scope
    assert (
        login(people.dx_handler).post(BASE, {"rectificationId": r.pk, "reasons": "x"}).status_code
        == 404
    )
    # bad input
    response = login(people.staff).post(BASE, {"rectificationId": r.pk, "reasons": ""})
    assert response.status_code == 422
    # late: the deadline that passed is in the answer
    clock.move_to(at("2026-10-15 18:01"))
    response = login(people.staff).post(BASE, {"rectificationId": r.pk, "reasons": "误评"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "invalid_transition",
        "message": "The appeal period ended on 2026-10-15 18:00 (3 working days after the "
        "rectification notice of 2026-10-12 09:00). A late appeal cannot be filed.",
        "extra": {
            "deadline": "2026-10-15T18:00:00+08:00",
            "delivered": "2026-10-12T09:00:00+08:00",
        },
    }


def test_decide_request_and_decide_further(org_tree, people, clock):
    a = filed(org_tree, people)
    # the staff member cannot decide; the reviewer can
    response = post(
        login(people.staff), f"{BASE}/{a.pk}/decide", {"outcome": "not_adopted", "reason": "x"}
    )
    assert response.status_code == 403
    response = post(
        login(people.reviewer),
        f"{BASE}/{a.pk}/decide",
        {"outcome": "upheld", "reason": "评价属实", "version": a.version},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["outcome"]) == ("decided", "upheld")
    # deciding twice: invalid transition
    response = post(
        login(people.reviewer), f"{BASE}/{a.pk}/decide", {"outcome": "upheld", "reason": "x"}
    )
    assert response.status_code == 409
    assert response.json()["message"] == (
        "“Decide the appeal” is not possible while the appeal is “Decided”."
    )
    # a stale version: conflict
    response = post(
        login(people.staff), f"{BASE}/{a.pk}/further-review", {"reason": "再查", "version": 1}
    )
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    response = post(login(people.staff), f"{BASE}/{a.pk}/further-review", {"reason": "再查"})
    assert response.status_code == 200
    assert response.json()["furtherUnit"]["name"] == "拉萨市行政审批和便民服务局"
    response = post(
        login(people.bureau_reviewer),
        f"{BASE}/{a.pk}/further-review/decide",
        {"outcome": "not_adopted", "reason": "误评"},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["finalOutcome"]) == ("final", "not_adopted")
    # bad input
    b = filed(org_tree, people)
    response = post(
        login(people.reviewer), f"{BASE}/{b.pk}/decide", {"outcome": "nope", "reason": "x"}
    )
    assert response.status_code == 422
    assert response.json()["extra"] == {"errors": {"outcome": ["Choose an outcome."]}}


def test_the_rated_staff_member_never_sees_the_evaluator(org_tree, people, clock):
    a = decided(org_tree, people, "explanation")
    r = a.rectification
    secrets = [
        EVALUATOR,
        MOBILE,
        MOBILE[:3] + "****" + MOBILE[-4:],
        r.rating.receipt,
        r.case.project_no,
        r.case.applicant_cert_no,
    ]
    client = login(people.staff)
    for path in (BASE, f"{BASE}/{a.pk}", f"{BASE}/notices"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        for secret in secrets:
            assert secret not in text, (path, secret)
    review = client.get(f"{BASE}/{a.pk}").json()["review"]
    assert (review["projectNo"], review["rectificationId"], review["text"]) == (
        None,
        None,
        "窗口态度生硬",
    )
    # the reviewer does get the case number
    assert (
        login(people.reviewer).get(f"{BASE}/{a.pk}").json()["review"]["projectNo"]
        == r.case.project_no
    )


def test_lists_are_scoped(org_tree, people, clock):
    a = filed(org_tree, people)
    filed(
        org_tree, people, case=None, by=people.handler, rectification=rectification_for(org_tree)
    )  # another appeal of the same staff member
    assert [x["id"] for x in login(people.reviewer).get(BASE).json()][:1] == [a.pk]
    assert len(login(people.staff).get(BASE).json()) == 2
    assert login(people.other_staff).get(BASE).json() == []
    assert login(people.cg_reviewer).get(BASE).json() == []
    assert login(people.bureau_reviewer).get(BASE).json() == []
    notices = login(people.staff).get(f"{BASE}/notices").json()
    assert [n["open"] for n in notices] == [True, True]


def test_figures_endpoint(org_tree, people, clock, django_assert_max_num_queries):
    decided(org_tree, people, "not_adopted")
    filed(org_tree, people)
    client = login(people.liaison)
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/figures?by=reviewer")
    body = response.json()
    assert body["rows"] == [
        {
            "unitId": org_tree.city_gov.pk,
            "unit": "拉萨市人民政府",
            "filed": 2,
            "pending": 1,
            "decided": 1,
            "decidedOnTime": 1,
            "decidedLate": 0,
            "overdue": 0,
            "upheld": 0,
            "explanation": 0,
            "notAdopted": 1,
            "furtherRequested": 0,
            "furtherDecided": 0,
            "furtherChanged": 0,
        }
    ]
    assert (
        body["definitions"]["decidedOnTime"]
        == "first decision made by its due time (7 working days)"
    )
    assert login(people.staff).get(f"{BASE}/figures").status_code == 403


def test_the_list_costs_the_same_queries_for_one_or_many(org_tree, people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filed(org_tree, people)
    client = login(people.reviewer)
    client.get(BASE)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(BASE).json()) == 1
    for _ in range(3):
        filed(org_tree, people)
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(BASE).json()) == 4
    assert len(four) == len(one)
