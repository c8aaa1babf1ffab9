import datetime as dt
import json

import pytest
import time_machine

from haochaping.accounts.enums import Role
from haochaping.channels.enums import EntryKind
from haochaping.channels.models import Device, StaffEntry
from haochaping.channels.services import prompt_create, rating_link_create, staff_rating_record
from haochaping.core.clock import now
from haochaping.core.clock import today as local_today
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.models import Rating
from haochaping.testing.builders import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def path_of(token):
    return f"/r/{token}"


def test_rating_page_without_javascript_and_its_receipt(client, completed_case):
    # given
    _link, token = rating_link_create(case=completed_case)
    page = client.get(path_of(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        '<input type="radio" name="level" value="very_satisfied" id="level-first" required>' in html
    )
    assert "X-Frame-Options" not in page.headers
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"].split("; ")
    # when: a plain form post; a ticked reason of another level is ignored
    r = client.post(
        path_of(token), {"level": "satisfied", "option": ["413", "510"], "text": " 挺好 "}
    )
    # then
    rating = Rating.objects.get()
    assert (rating.level, rating.option_codes, rating.text, rating.channel) == (
        "satisfied",
        ["413"],
        "挺好",
        Channel.QR_CODE,
    )
    assert r.status_code == 303
    assert r.headers["Location"] == f"/r/receipt/{rating.receipt}?thanks=1&lang=en"
    receipt = client.get(r.headers["Location"]).content.decode()
    assert "Thank you for your rating" in receipt and rating.receipt in receipt
    assert "Good service attitude" in receipt


def test_missing_level_is_explained_in_place(client, completed_case):
    _link, token = rating_link_create(case=completed_case)
    r = client.post(path_of(token), {"text": "?"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'role="alert"' in html and "Choose how satisfied you are." in html
    assert 'aria-invalid="true"' in html
    assert not Rating.objects.exists()


def test_used_and_expired_links_get_a_clear_page(client, completed_case, org_tree):
    _link, token = rating_link_create(case=completed_case, days=1)
    client.post(path_of(token), {"level": "satisfied"})
    used = client.get(path_of(token))
    assert used.status_code == 410
    assert "This link has already been used" in used.content.decode()
    assert Rating.objects.get().receipt in used.content.decode()
    from haochaping.testing.builders import make_case

    other = make_case(
        org_tree,
        accepted_at=now() - dt.timedelta(days=1),
        completed_at=now() - dt.timedelta(hours=1),
    )
    _l2, token2 = rating_link_create(case=other, days=1)
    with time_machine.travel(now() + dt.timedelta(days=1, minutes=1)):
        expired = client.get(path_of(token2))
        posted = client.post(path_of(token2), {"level": "satisfied"})
    assert expired.status_code == 410 and posted.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert Rating.objects.count() == 1
    assert client.get("/r/not-a-token-at-all").status_code == 404


def test_page_language_follows_the_browser_and_the_switcher(completed_case):
    from django.test import Client

    _link, token = rating_link_create(case=completed_case)
    bo = Client(headers={"accept-language": "bo"}).get(path_of(token)).content.decode()
    assert '<html lang="bo">' in bo and "ཧ་ཅང་ཡིད་ཚིམ།" in bo
    zh = (
        Client(headers={"accept-language": "zh-CN"})
        .get(path_of(token) + "?lang=zh-hans")
        .content.decode()
    )
    assert '<html lang="zh-Hans">' in zh and "非常满意" in zh and "一窗受理一次办结" in zh
    en = Client().get(path_of(token) + "?lang=en").content.decode()
    assert "Very satisfied" in en and 'aria-current="true">English' in en


def test_return_url_gets_the_receipt(client, completed_case, settings):
    settings.HAOCHAPING_CHANNELS = {"FRAME_ANCESTORS": ["https://zwfw.xizang.gov.cn"]}
    _link, token = rating_link_create(case=completed_case)
    page = client.get(path_of(token) + "?return=https://zwfw.xizang.gov.cn/done%3Fa%3D1")
    assert "frame-ancestors 'self' https://zwfw.xizang.gov.cn" in page.headers[
        "Content-Security-Policy"
    ].split("; ")
    r = client.post(
        path_of(token), {"level": "very_satisfied", "return": "https://zwfw.xizang.gov.cn/done?a=1"}
    )
    assert r.status_code == 303
    assert (
        r.headers["Location"]
        == f"https://zwfw.xizang.gov.cn/done?a=1&hcpReceipt={Rating.objects.get().receipt}"
    )


def test_receipt_view_labels_staff_entered_ratings(client, completed_case, liaison):
    entry = staff_rating_record(
        kind=EntryKind.PAPER,
        case=completed_case,
        level=Level.BASIC,
        operator=liaison,
        paper_ref="DX-0042",
        assessed_at=now() - dt.timedelta(minutes=5),
    )
    html = client.get(f"/r/receipt/{entry.rating.receipt}").content.decode()
    assert "Keyed in by staff from paper form no. DX-0042." in html
    assert client.get("/r/receipt/?code=NOPE").status_code == 404


# --- tablet endpoints ------------------------------------------------------------------------------


def tablet_client(token):
    from django.test import Client

    c = Client(headers={"accept-language": "en"})
    c.cookies["hcp_device"] = token
    return c


def test_tablet_needs_pairing(client):
    assert client.get("/tablet/").headers["Location"] == "/tablet/pair"
    assert client.get("/tablet/poll?wait=0").status_code == 401


def test_pairing_page_sets_an_httponly_cookie(client, org_tree, liaison):
    from haochaping.channels.services import device_create

    _d, code = device_create(window=org_tree.window, name="A01", acting_user=liaison)
    bad = client.post("/tablet/pair", {"code": "WRONG"})
    assert (
        bad.status_code == 422
        and "This pairing code is not valid or has expired." in bad.content.decode()
    )
    r = client.post("/tablet/pair", {"code": code})
    assert r.status_code == 302
    cookie = r.cookies["hcp_device"]
    assert cookie["httponly"] and cookie["path"] == "/tablet/" and cookie["samesite"] == "Strict"


def test_tablet_poll_and_rate(org_tree, paired, completed_case):
    _device, token = paired
    c = tablet_client(token)
    assert c.get("/tablet/poll?wait=0").status_code == 204
    prompt = prompt_create(window=org_tree.window, case=completed_case)
    got = c.get("/tablet/poll?wait=0").json()["prompt"]
    assert (got["id"], got["projectNo"]) == (prompt.pk, completed_case.project_no)
    body = {
        "promptId": prompt.pk,
        "level": "very_satisfied",
        "options": ["517"],
        "text": "",
        "idempotencyKey": "tab-test-0000000001",
        "assessedAt": now().isoformat(),
    }
    first = c.post("/tablet/ratings", json.dumps(body), content_type="application/json")
    again = c.post("/tablet/ratings", json.dumps(body), content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["receipt"] == again.json()["receipt"]
    assert Rating.objects.count() == 1
    assert (
        c.get(f"/tablet/poll?wait=0&after={prompt.pk - 1}").status_code == 204
    )  # rated: not shown again


def test_tablet_page_shows_window_staff_and_qr(org_tree, paired):
    html = tablet_client(paired[1]).get("/tablet/").content.decode()
    assert "扎西顿珠" in html and "<svg" in html and "tablet-config" in html


# --- staff pages -----------------------------------------------------------------------------------


def login(username, role, **scope):
    from django.test import Client

    make_user(username, role, **scope)
    c = Client(headers={"accept-language": "en"})
    assert c.login(username=username, password=TEST_PASSWORD)
    return c


def test_phone_operator_form_records_a_marked_rating(org_tree, completed_case):
    c = login("op", Role.LIAISON, scope_region=org_tree.lhasa)
    r = c.post(
        "/channels/phone/",
        {
            "project_no": completed_case.project_no,
            "level": "dissatisfied",
            "options": ["213"],
            "text": "等了很久",
        },
    )
    assert r.status_code == 302, r.content.decode()
    entry = StaffEntry.objects.get()
    assert entry.kind == "phone" and entry.operator.username == "op"
    assert entry.rating.channel == Channel.PHONE and entry.rating.is_staff_entered
    listing = c.get("/channels/entries/").content.decode()
    assert "Recorded by a 12345 / phone operator" in listing and entry.rating.receipt in listing


def test_paper_form_entry_needs_its_reference(org_tree, completed_case):
    c = login("clerk", Role.WINDOW_STAFF, scope_unit=org_tree.police)
    r = c.post(
        "/channels/paper/",
        {
            "project_no": completed_case.project_no,
            "level": "satisfied",
            "assessed_on": "2026-01-01",
            "paper_ref": "",
        },
    )
    assert r.status_code == 200
    assert not Rating.objects.exists()
    today = local_today().isoformat()  # the form asks for a local date
    r = c.post(
        "/channels/paper/",
        {
            "project_no": completed_case.project_no,
            "level": "satisfied",
            "assessed_on": today,
            "paper_ref": "DX-7",
        },
    )
    assert r.status_code == 302, r.content.decode()
    assert StaffEntry.objects.get().rating.is_paper


def test_window_staff_may_not_use_the_phone_form(org_tree):
    c = login("clerk", Role.WINDOW_STAFF, scope_unit=org_tree.police)
    assert c.get("/channels/phone/").status_code == 403


def test_case_outside_scope_is_not_found_on_the_phone_form(org_tree, completed_case):
    c = login("cg", Role.LIAISON, scope_region=org_tree.chengguan)
    r = c.post("/channels/phone/", {"project_no": completed_case.project_no, "level": "satisfied"})
    assert "No case with this number in your scope." in r.content.decode()


def test_admin_registers_and_revokes_a_tablet(org_tree):
    c = login("admin1", Role.ADMIN, scope_region=org_tree.lhasa)
    r = c.post("/channels/devices/", {"window": org_tree.window.pk, "name": "A01 评价器"})
    assert r.status_code == 200
    assert 'id="pairing-code"' in r.content.decode()
    device = Device.objects.get()
    c.post(f"/channels/devices/{device.pk}/revoke")
    device.refresh_from_db()
    assert device.revoked_at is not None


def test_receipt_qr_page_for_window_staff(org_tree, completed_case):
    c = login("clerk", Role.WINDOW_STAFF, scope_unit=org_tree.police)
    r = c.post("/channels/links/", {"project_no": completed_case.project_no, "action": "receipt"})
    html = r.content.decode()
    assert 'id="receipt-snippet"' in html and "data:image/png;base64," in html


def test_follow_up_page_after_a_bad_review(client, completed_case):
    # given: a bad review through a link, then a follow-up link
    _l, token = rating_link_create(case=completed_case)
    client.post(path_of(token), {"level": "very_dissatisfied", "option": ["115"]})
    _l2, token2 = rating_link_create(case=completed_case, assess_number=2)
    # when
    html = client.get(path_of(token2)).content.decode()
    r = client.post(path_of(token2), {"level": "satisfied"})
    # then
    assert "Your bad review of this case has been handled. How satisfied are you now?" in html
    first, follow = Rating.objects.order_by("assess_number")
    assert (first.assess_number, follow.assess_number, follow.level) == (1, 2, "satisfied")
    receipt = client.get(f"/r/receipt/{first.receipt}").content.decode()
    assert "Follow-up rating" in receipt and follow.receipt in receipt
    assert r.status_code == 303
