"""The workbench pages: success, wrong role, out of scope, invalid transition, stale version."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from haochaping.rectification.enums import Status
from haochaping.rectification.models import ContactReveal, Evidence
from haochaping.rectification.tests.conftest import login
from haochaping.rectification.tests.helpers import MOBILE, advance, at, open_rectification

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n" + b"y" * 40


def act(client, r, action, **data):
    return client.post(f"/rectification/{r.pk}/act/{action}/", data)


def test_queue_shows_remaining_working_days(org_tree, people, clock):
    r = open_rectification(org_tree)
    response = login(people.handler).get("/rectification/")
    assert response.status_code == 200
    html = response.content.decode()
    assert r.case.project_no in html
    assert 'data-clock="warning"' in html
    assert "1 working day left" in html


def test_queue_filters_with_htmx_return_the_table_only(org_tree, people, clock):
    a = open_rectification(org_tree)
    b = open_rectification(org_tree, unit=org_tree.cg_police)
    client = login(people.liaison)
    response = client.get(
        f"/rectification/?unit={org_tree.cg_police.pk}", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.startswith('<div id="queue-table">')
    assert f'data-id="{b.pk}"' in html and f'data-id="{a.pk}"' not in html
    clock.move_to(at("2026-10-14 09:00"))
    client = login(people.liaison)
    overdue = client.get("/rectification/?clock=overdue").content.decode()
    assert 'data-count="2"' in overdue and "Overdue (-1 working days)" in overdue


def test_pages_refuse_the_wrong_role_and_strangers(org_tree, people, clock):
    r = open_rectification(org_tree)
    window = login(people.window)
    response = window.get("/rectification/")
    assert response.status_code == 403
    assert "Your role has no access to bad-review rectification." in response.content.decode()
    assert window.get(f"/rectification/{r.pk}/").status_code == 403
    assert login(people.handler).get("/rectification/overview/").status_code == 403
    assert login(people.handler).get("/rectification/callbacks/").status_code == 403
    anonymous = Client().get("/rectification/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_detail_in_and_out_of_scope(org_tree, people, clock):
    r = open_rectification(org_tree)
    response = login(people.handler).get(f"/rectification/{r.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "139****5678" in html and MOBILE not in html
    assert 'data-action="contact"' in html and 'data-action="fix_at_once"' in html
    assert 'data-action="callback"' not in html
    assert login(people.dx_handler).get(f"/rectification/{r.pk}/").status_code == 404
    assert login(people.handler).get("/rectification/999999/").status_code == 404
    supervisor_html = login(people.supervisor).get(f"/rectification/{r.pk}/").content.decode()
    assert 'data-action="urge"' in supervisor_html and 'data-action="spot_check"' in supervisor_html
    assert 'data-action="contact"' not in supervisor_html  # read only for the supervision office


def test_acting_through_the_page(org_tree, people, clock):
    r = open_rectification(org_tree)
    client = login(people.handler)
    response = act(
        client,
        r,
        "contact",
        note="已电话联系群众",
        version=r.version,
        files=[SimpleUploadedFile("通话记录.pdf", PDF)],
    )
    assert (response.status_code, response["Location"]) == (302, f"/rectification/{r.pk}/")
    r.refresh_from_db()
    assert r.status == Status.CONTACTED
    evidence = Evidence.objects.get()
    page = client.get(f"/rectification/{r.pk}/").content.decode()
    assert "通话记录.pdf" in page and "Saved: Citizen contacted." in page
    download = client.get(f"/rectification/{r.pk}/evidence/{evidence.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/pdf"
    assert (
        login(people.dx_handler).get(f"/rectification/{r.pk}/evidence/{evidence.pk}/").status_code
        == 404
    )
    assert client.get(f"/rectification/{r.pk}/evidence/{evidence.pk + 1}/").status_code == 404


def test_page_action_refusals(org_tree, people, clock):
    r = open_rectification(org_tree)
    # wrong role
    response = act(login(people.liaison), r, "contact", note="x")
    assert response.status_code == 403
    assert (
        "Your role may not do this: Record contact with the citizen." in response.content.decode()
    )
    # out of scope
    assert act(login(people.dx_handler), r, "contact", note="x").status_code == 404
    # invalid transition
    response = act(login(people.handler), r, "feedback", note="x")
    assert response.status_code == 409
    assert (
        "“Give rectification feedback” is not possible while the rectification is “New”."
        in response.content.decode()
    )
    # bad input: the form comes back with the message
    response = act(login(people.handler), r, "contact", note="")
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    # unknown action
    assert act(login(people.handler), r, "teleport", note="x").status_code == 404


def test_two_people_one_item_the_second_gets_409(org_tree, people, clock):
    # given two handlers of the unit who both opened the page at version 1
    from haochaping.accounts.enums import Role
    from haochaping.testing.builders import make_user

    backup = make_user("h-police-backup", Role.HANDLER, scope_unit=org_tree.police)
    r = open_rectification(org_tree)
    first = act(login(people.handler), r, "contact", note="甲联系了", version=1)
    second = act(login(backup), r, "fix_at_once", note="乙当场整改", version=1)
    assert first.status_code == 302
    assert second.status_code == 409
    assert (
        "Someone else changed this rectification a moment ago (now: Citizen contacted). "
        "Reload the page and try again."
    ) in second.content.decode()
    r.refresh_from_db()
    assert r.status == Status.CONTACTED


def test_callback_through_the_page(org_tree, people, clock):
    r = advance(
        open_rectification(org_tree),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    client = login(people.liaison)
    queue = client.get("/rectification/callbacks/").content.decode()
    assert f'data-id="{r.pk}"' in queue
    response = act(
        client,
        r,
        "callback",
        method="phone",
        outcome="reached",
        satisfaction="satisfied",
        note="满意",
        version=r.version,
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.fix_satisfaction) == (Status.CLOSED, "satisfied")


def test_every_page_action_form_works(org_tree, people, clock):
    cases = [
        (Status.NEW, "fix_at_once", "handler", {"note": "当场"}, Status.FEEDBACK_GIVEN),
        (
            Status.CONTACTED,
            "start",
            "handler",
            {"note": "开始", "complex": "on", "complex_reason": "复杂"},
            Status.RECTIFYING,
        ),
        (
            Status.RECTIFYING,
            "mark_complex",
            "handler",
            {"complex_reason": "复杂"},
            Status.RECTIFYING,
        ),
        (Status.CONTACTED, "explain", "handler", {"note": "解释"}, Status.FEEDBACK_GIVEN),
        (Status.RECTIFYING, "feedback", "handler", {"note": "反馈"}, Status.FEEDBACK_GIVEN),
        (
            Status.FEEDBACK_GIVEN,
            "accept_feedback",
            "liaison",
            {"note": ""},
            Status.AWAITING_CALLBACK,
        ),
        (Status.FEEDBACK_GIVEN, "return", "liaison", {"note": "退回"}, Status.RECTIFYING),
        (Status.ESCALATED, "supervision_close", "supervisor", {"note": "结论"}, Status.CLOSED),
        (Status.ESCALATED, "supervision_return", "supervisor", {"note": "重办"}, Status.RECTIFYING),
        (Status.NEW, "withdraw", "reviewer", {"note": "不予采纳"}, Status.WITHDRAWN),
    ]
    for before, action, role, data, after in cases:
        r = advance(
            open_rectification(org_tree), before, handler=people.handler, liaison=people.liaison
        )
        response = act(login(getattr(people, role)), r, action, **data)
        assert response.status_code == 302, (action, response.content.decode()[-600:])
        r.refresh_from_db()
        assert r.status == after, action


def test_operations_through_the_page(org_tree, people, clock):
    r = open_rectification(org_tree)
    sup = login(people.supervisor)
    for operation in ("urge", "comment", "spot_check"):
        assert (
            sup.post(f"/rectification/{r.pk}/op/{operation}/", {"note": "督查意见"}).status_code
            == 302
        )
    assert (
        login(people.handler).post(f"/rectification/{r.pk}/op/urge/", {"note": "x"}).status_code
        == 403
    )
    assert sup.post(f"/rectification/{r.pk}/op/urge/", {"note": ""}).status_code == 422
    assert sup.post(f"/rectification/{r.pk}/op/nothing/", {"note": "x"}).status_code == 404
    reviewer = login(people.reviewer)
    assert reviewer.post(f"/rectification/{r.pk}/op/pause/", {"note": "复核中"}).status_code == 302
    assert reviewer.post(f"/rectification/{r.pk}/op/resume/", {"note": ""}).status_code == 302
    handler = login(people.handler)
    upload = handler.post(
        f"/rectification/{r.pk}/op/evidence/", {"files": [SimpleUploadedFile("a.pdf", PDF)]}
    )
    assert upload.status_code == 302
    types = list(r.events.values_list("type", flat=True))
    assert types == [
        "rectification.opened",
        "rectification.urged",
        "rectification.commented",
        "rectification.spot_checked",
        "rectification.paused",
        "rectification.resumed",
        "rectification.evidence_added",
    ]


def test_reveal_with_htmx(org_tree, people, clock):
    r = open_rectification(org_tree)
    client = login(people.handler)
    response = client.post(
        f"/rectification/{r.pk}/reveal/", {"reason": "联系群众"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.startswith('<div id="contact-box">')
    assert MOBILE in html and "卓玛" in html and "shown to you; this was logged" in html
    assert ContactReveal.objects.get().user == people.handler
    empty = client.post(
        f"/rectification/{r.pk}/reveal/", {"reason": ""}, headers={"HX-Request": "true"}
    )
    assert "Give a reason for seeing the contact." in empty.content.decode()
    assert (
        login(people.supervisor).post(f"/rectification/{r.pk}/reveal/", {"reason": "x"}).status_code
        == 403
    )
    assert ContactReveal.objects.count() == 1


def test_overview_page(org_tree, people, clock):
    open_rectification(org_tree)
    open_rectification(org_tree, unit=org_tree.cg_police)
    clock.move_to(at("2026-10-14 09:00"))
    html = login(people.supervisor).get("/rectification/overview/").content.decode()
    assert 'data-figure="overdue">2<' in html
    assert "拉萨市公安局" in html and "城关区公安分局" in html


def test_pages_in_chinese_and_tibetan(org_tree, people, clock):
    r = open_rectification(org_tree)
    client = login(people.handler)
    zh = client.get(
        f"/rectification/{r.pk}/", headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "登记联系群众" in zh and "剩余 1 个工作日" in zh and "办理记录" in zh
    bo = client.get("/rectification/", headers={"accept-language": "bo"}).content.decode()
    assert 'lang="bo"' in bo
    assert "ངན་བརྗོད་ལེགས་བཅོས་ལས་སྟེགས།" in bo and "ལས་ཉིན་ 1 ལྷག་ཡོད།" in bo


def test_admin_lists_designations_and_items_read_only(org_tree, people, clock):
    from haochaping.accounts.enums import Role
    from haochaping.accounts.services import user_create
    from haochaping.testing.builders import TEST_PASSWORD

    open_rectification(org_tree)
    user_create(
        username="root",
        password=TEST_PASSWORD,
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
        check_password=False,
    )
    client = Client()
    assert client.login(username="root", password=TEST_PASSWORD)
    assert client.get("/admin/rectification/handlerdesignation/").status_code == 200
    listing = client.get("/admin/rectification/rectification/")
    assert listing.status_code == 200 and org_tree.police.name in listing.content.decode()
    assert client.get("/admin/rectification/rectification/add/").status_code == 403
