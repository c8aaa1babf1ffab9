"""/api/v1/rectifications/: every endpoint — success, not logged in, wrong role, out of scope,
invalid transition, stale version — and the case summary in GET /api/v1/cases/{projectNo}."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from haochaping.integration.services import integration_client_create
from haochaping.integration.testclient import SignedClient
from haochaping.rectification.enums import Status
from haochaping.rectification.models import ContactReveal, Evidence
from haochaping.rectification.tests.conftest import login
from haochaping.rectification.tests.helpers import MOBILE, advance, open_rectification

pytestmark = pytest.mark.django_db
BASE = "/api/v1/rectifications"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


# (endpoint, state before, role attribute, body, status after)
TRANSITIONS = [
    ("contact", Status.NEW, "handler", {"note": "已电话联系"}, Status.CONTACTED),
    ("fix-at-once", Status.NEW, "handler", {"note": "当场整改"}, Status.FEEDBACK_GIVEN),
    (
        "start",
        Status.CONTACTED,
        "handler",
        {"note": "开始整改", "complex": True, "complexReason": "跨部门"},
        Status.RECTIFYING,
    ),
    ("mark-complex", Status.RECTIFYING, "handler", {"reason": "需修改指南"}, Status.RECTIFYING),
    ("explain", Status.CONTACTED, "handler", {"note": "无法律依据,已解释"}, Status.FEEDBACK_GIVEN),
    ("feedback", Status.RECTIFYING, "handler", {"note": "已整改"}, Status.FEEDBACK_GIVEN),
    ("accept-feedback", Status.FEEDBACK_GIVEN, "liaison", {"note": ""}, Status.AWAITING_CALLBACK),
    ("return", Status.FEEDBACK_GIVEN, "liaison", {"note": "材料不全"}, Status.RECTIFYING),
    (
        "callback",
        Status.AWAITING_CALLBACK,
        "liaison",
        {"method": "phone", "outcome": "reached", "satisfaction": "basic"},
        Status.CLOSED,
    ),
    (
        "callback",
        Status.AWAITING_CALLBACK,
        "liaison",
        {
            "method": "phone",
            "outcome": "reached",
            "satisfaction": "unsatisfied",
            "afterUnsatisfied": "reopen",
        },
        Status.REOPENED,
    ),
    ("supervision-close", Status.ESCALATED, "supervisor", {"note": "督查结论"}, Status.CLOSED),
    ("supervision-return", Status.ESCALATED, "supervisor", {"note": "重新整改"}, Status.RECTIFYING),
    ("withdraw", Status.RECTIFYING, "reviewer", {"note": "不予采纳"}, Status.WITHDRAWN),
]
IDS = [f"{t[0]}-{t[4]}" for t in TRANSITIONS]


def _item(org_tree, people, state):
    return advance(
        open_rectification(org_tree), state, handler=people.handler, liaison=people.liaison
    )


@pytest.mark.parametrize(("endpoint", "before", "role", "body", "after"), TRANSITIONS, ids=IDS)
def test_transition_endpoint_succeeds(org_tree, people, clock, endpoint, before, role, body, after):
    r = _item(org_tree, people, before)
    response = post(
        login(getattr(people, role)), f"{BASE}/{r.pk}/{endpoint}", {**body, "version": r.version}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["id"], data["status"], data["version"]) == (r.pk, after, r.version + 1)


@pytest.mark.parametrize(("endpoint", "before", "role", "body", "after"), TRANSITIONS, ids=IDS)
def test_transition_endpoint_wrong_role(
    org_tree, people, clock, endpoint, before, role, body, after
):
    r = _item(org_tree, people, before)
    wrong = people.leader
    response = post(login(wrong), f"{BASE}/{r.pk}/{endpoint}", body)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"].startswith("Your role may not do this: ")


@pytest.mark.parametrize(("endpoint", "before", "role", "body", "after"), TRANSITIONS, ids=IDS)
def test_transition_endpoint_out_of_scope(
    org_tree, people, clock, endpoint, before, role, body, after
):
    # given an item of Chengguan's sub-bureau and the city police bureau's handler (same role)
    r = advance(
        open_rectification(org_tree, unit=org_tree.cg_police),
        before,
        handler=people.cg_handler,
        liaison=people.liaison,
    )
    actor = people.handler if role == "handler" else _make_outsider(org_tree, role)
    response = post(login(actor), f"{BASE}/{r.pk}/{endpoint}", body)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "extra": {}}


def _make_outsider(org_tree, role):
    from haochaping.testing.builders import make_user

    return make_user(f"outsider-{role}", role, scope_region=org_tree.damxung)


@pytest.mark.parametrize(("endpoint", "before", "role", "body", "after"), TRANSITIONS, ids=IDS)
def test_transition_endpoint_invalid_transition(
    org_tree, people, clock, endpoint, before, role, body, after
):
    r = _item(org_tree, people, Status.CLOSED)
    response = post(login(getattr(people, role)), f"{BASE}/{r.pk}/{endpoint}", body)
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "invalid_transition"
    assert data["message"].endswith("is not possible while the rectification is “Closed”.")


@pytest.mark.parametrize(("endpoint", "before", "role", "body", "after"), TRANSITIONS, ids=IDS)
def test_transition_endpoint_stale_version(
    org_tree, people, clock, endpoint, before, role, body, after
):
    # given someone else's action since the page was read (an urge does not bump the version,
    # a pause does)
    r = _item(org_tree, people, before)
    from haochaping.rectification import services

    services.rectification_pause(rectification_id=r.pk, reason="复核", acting_user=people.reviewer)
    response = post(
        login(getattr(people, role)), f"{BASE}/{r.pk}/{endpoint}", {**body, "version": r.version}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["extra"] == {"version": r.version + 1, "status": str(before)}


def test_not_logged_in_is_401(org_tree, people, clock):
    r = open_rectification(org_tree)
    response = post(
        Client(headers={"accept-language": "en"}), f"{BASE}/{r.pk}/contact", {"note": "x"}
    )
    assert response.status_code == 401
    assert response.json() == {"code": "auth_missing", "message": "Log in first.", "extra": {}}


def test_bad_input_is_422(org_tree, people, clock):
    r = open_rectification(org_tree)
    response = post(login(people.handler), f"{BASE}/{r.pk}/contact", {"note": ""})
    assert response.status_code == 422
    assert response.json()["extra"] == {"errors": {"note": ["This field is required."]}}


def test_list_and_filters(org_tree, people, clock):
    mine = open_rectification(org_tree)
    done = advance(
        open_rectification(org_tree), Status.CLOSED, handler=people.handler, liaison=people.liaison
    )
    other = open_rectification(org_tree, unit=org_tree.cg_police)
    client = login(people.handler)
    data = client.get(BASE).json()
    assert [i["id"] for i in data["items"]] == [mine.pk]
    assert data["items"][0]["running"] == {
        "clock": "contact",
        "dueAt": "2026-10-13T18:00:00+08:00",
        "remainingWorkdays": 1,
        "state": "warning",
    }
    assert data["items"][0]["citizen"] == {"name": "卓*", "mobile": "139****5678", "masked": True}
    assert data["items"][0]["allowedActions"] == ["contact", "fix_at_once"]
    assert [i["id"] for i in client.get(f"{BASE}?all=true").json()["items"]] == [mine.pk, done.pk]
    assert [i["id"] for i in client.get(f"{BASE}?status=closed").json()["items"]] == [done.pk]
    liaison = login(people.liaison)
    assert {i["id"] for i in liaison.get(BASE).json()["items"]} == {mine.pk, other.pk}
    assert [
        i["id"] for i in liaison.get(f"{BASE}?unitId={org_tree.cg_police.pk}").json()["items"]
    ] == [other.pk]
    assert liaison.get(f"{BASE}?clockState=overdue").json()["count"] == 0
    clock.move_to("2026-10-14T12:00+08:00")
    liaison = login(people.liaison)  # the session of two days ago has expired
    assert liaison.get(f"{BASE}?clockState=overdue").json()["count"] == 2
    assert login(people.window).get(BASE).json() == {"count": 0, "items": []}


def test_detail_with_timeline_and_evidence(org_tree, people, clock):
    r = open_rectification(org_tree)
    client = login(people.handler)
    upload = client.post(
        f"{BASE}/{r.pk}/evidence", {"files": [SimpleUploadedFile("照片.png", PNG)], "note": "现场"}
    )
    assert upload.status_code == 201, upload.content
    evidence = Evidence.objects.get()
    assert upload.json() == [
        {
            "id": evidence.pk,
            "name": "照片.png",
            "contentType": "image/png",
            "size": len(PNG),
            "url": f"{BASE}/{r.pk}/evidence/{evidence.pk}",
        }
    ]
    data = client.get(f"{BASE}/{r.pk}").json()
    assert [e["type"] for e in data["timeline"]] == [
        "rectification.opened",
        "rectification.evidence_added",
    ]
    assert data["timeline"][1]["evidence"][0]["name"] == "照片.png"
    download = client.get(f"{BASE}/{r.pk}/evidence/{evidence.pk}")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PNG
    assert login(people.dx_handler).get(f"{BASE}/{r.pk}").status_code == 404
    assert login(people.dx_handler).get(f"{BASE}/{r.pk}/evidence/{evidence.pk}").status_code == 404
    assert login(people.window).get(f"{BASE}/{r.pk}").status_code == 403
    bad = client.post(
        f"{BASE}/{r.pk}/evidence", {"files": [SimpleUploadedFile("x.gif", b"GIF89a")]}
    )
    assert bad.status_code == 422
    assert bad.json()["extra"] == {
        "errors": {"files": ["x.gif: only JPEG, PNG and PDF files are accepted."]}
    }


def test_operations_urge_comment_spot_check(org_tree, people, clock):
    r = open_rectification(org_tree)
    sup = login(people.supervisor)
    for endpoint in ("urge", "comment", "spot-check"):
        response = post(sup, f"{BASE}/{r.pk}/{endpoint}", {"note": "督查"})
        assert response.status_code == 201, endpoint
    assert post(login(people.handler), f"{BASE}/{r.pk}/urge", {"note": "x"}).status_code == 403
    assert (
        post(login(people.handler), f"{BASE}/{r.pk}/spot-check", {"note": "x"}).status_code == 403
    )
    outsider = _make_outsider(org_tree, "supervisor")
    assert post(login(outsider), f"{BASE}/{r.pk}/urge", {"note": "x"}).status_code == 404
    closed = _item(org_tree, people, Status.CLOSED)
    response = post(sup, f"{BASE}/{closed.pk}/urge", {"note": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_reveal_contact(org_tree, people, clock):
    r = open_rectification(org_tree)
    response = post(login(people.handler), f"{BASE}/{r.pk}/reveal-contact", {"reason": "回访联系"})
    assert response.json() == {"name": "卓玛", "mobile": MOBILE}
    assert ContactReveal.objects.get().reason == "回访联系"
    assert (
        post(login(people.supervisor), f"{BASE}/{r.pk}/reveal-contact", {"reason": "x"}).status_code
        == 403
    )
    assert (
        post(login(people.dx_handler), f"{BASE}/{r.pk}/reveal-contact", {"reason": "x"}).status_code
        == 404
    )


def test_pause_and_resume(org_tree, people, clock):
    r = open_rectification(org_tree)
    client = login(people.reviewer)
    assert post(client, f"{BASE}/{r.pk}/pause", {"reason": "申请复核"}).json()["paused"] is True
    again = post(client, f"{BASE}/{r.pk}/pause", {"reason": "申请复核"})
    assert (again.status_code, again.json()["message"]) == (
        409,
        "The clocks of this rectification are already paused.",
    )
    assert post(client, f"{BASE}/{r.pk}/resume", {"note": ""}).json()["paused"] is False
    assert post(login(people.handler), f"{BASE}/{r.pk}/pause", {"reason": "x"}).status_code == 403


def test_overview_callback_queue_and_rate(org_tree, people, clock):
    advance(
        open_rectification(org_tree), Status.CLOSED, handler=people.handler, liaison=people.liaison
    )
    waiting = _item(org_tree, people, Status.AWAITING_CALLBACK)
    liaison = login(people.liaison)
    overview = liaison.get(f"{BASE}/overview").json()
    assert overview == [
        {
            "unitId": org_tree.police.pk,
            "unit": "拉萨市公安局",
            "region": "拉萨市",
            "open": 1,
            "overdue": 0,
            "new": 0,
            "working": 0,
            "callback": 1,
            "escalated": 0,
            "paused": 0,
        }
    ]
    assert [i["id"] for i in liaison.get(f"{BASE}/callback-queue").json()] == [waiting.pk]
    rate = liaison.get(f"{BASE}/callback-rate").json()
    assert (rate["due"], rate["calledBack"], rate["rate"]) == (2, 1, 0.5)
    assert login(people.handler).get(f"{BASE}/callback-queue").status_code == 403
    assert login(people.window).get(f"{BASE}/overview").status_code == 403


def test_business_systems_read_with_hmac_but_cannot_write(org_tree, people, clock):
    r = open_rectification(org_tree)
    client, secret = integration_client_create(name="市一窗受理系统", scope_code="540100")
    signed = SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))
    listing = signed.get(BASE)
    assert listing.status_code == 200
    assert [i["id"] for i in listing.json()["items"]] == [r.pk]
    assert listing.json()["items"][0]["allowedActions"] == []
    assert signed.get(f"{BASE}/{r.pk}").json()["citizen"]["mobile"] == "139****5678"
    write = signed.post(f"{BASE}/{r.pk}/contact", {"note": "x"})
    assert (write.status_code, write.json()["code"]) == (401, "auth_missing")
    county, county_secret = integration_client_create(name="当雄县系统", scope_code="540122")
    other = SignedClient(county.app_id, county_secret, Client())
    assert other.get(f"{BASE}/{r.pk}").status_code == 404
    assert other.get(BASE).json()["count"] == 0


def test_case_api_shows_rectification_status_and_deadlines(org_tree, people, clock):
    r = open_rectification(org_tree)
    client, secret = integration_client_create(name="市一窗受理系统", scope_code="540100")
    signed = SignedClient(client.app_id, secret, Client(headers={"accept-language": "en"}))
    body = signed.get(f"/api/v1/cases/{r.case.project_no}").json()
    assert body["rectification"] == {
        "id": r.pk,
        "status": "new",
        "statusLabel": "New",
        "deptCode": org_tree.police.credit_code,
        "openedAt": "2026-10-12 09:00:00",
        "contactDue": "2026-10-13 18:00:00",
        "contactedAt": None,
        "feedbackDue": "2026-10-19 18:00:00",
        "feedbackAt": None,
        "closeDue": None,
        "closedAt": None,
        "complex": False,
        "paused": False,
        "overdue": False,
        "satisfaction": None,
    }
