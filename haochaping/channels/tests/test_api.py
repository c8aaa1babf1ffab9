import base64
import datetime as dt

import pytest

from haochaping.channels.models import Prompt, RatingLink
from haochaping.channels.services import rating_link_create, rating_link_submit
from haochaping.core.clock import now
from haochaping.notifications.models import SmsMessage
from haochaping.ratings.enums import Channel, Level
from haochaping.testing.builders import make_case

pytestmark = pytest.mark.django_db


def test_prompt_reaches_the_window(city_client, org_tree, completed_case, paired):
    # when
    r = city_client.post(
        f"/api/v1/windows/{org_tree.window.pk}/prompt", {"projectNo": completed_case.project_no}
    )
    # then
    assert r.status_code == 201, r.content
    body = r.json()
    prompt = Prompt.objects.get()
    assert body["promptId"] == prompt.pk
    assert (body["window"], body["projectNo"], body["stage"], body["tablets"]) == (
        org_tree.window.pk,
        completed_case.project_no,
        "completion",
        1,
    )


def test_prompt_needs_a_signature(client, org_tree, completed_case):
    r = client.post(
        f"/api/v1/windows/{org_tree.window.pk}/prompt",
        {"projectNo": completed_case.project_no},
        content_type="application/json",
    )
    assert r.status_code == 401
    assert r.json()["code"] == "auth_missing"


def test_prompt_outside_scope_is_not_found(county_client, org_tree, completed_case):
    # the window and the case belong to the city police, outside 城关区
    r = county_client.post(
        f"/api/v1/windows/{org_tree.window.pk}/prompt", {"projectNo": completed_case.project_no}
    )
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "message": "Not found.", "extra": {}}


def test_prompt_of_a_rated_case_is_409(city_client, org_tree, completed_case):
    _l, token = rating_link_create(case=completed_case)
    rating_link_submit(token=token, level=Level.SATISFIED, option_codes=[])
    r = city_client.post(
        f"/api/v1/windows/{org_tree.window.pk}/prompt", {"projectNo": completed_case.project_no}
    )
    assert r.status_code == 409
    assert r.json()["code"] == "already_rated"
    assert r.json()["message"] == "This case has already been rated at this stage."


def test_rating_link_with_qr_codes_and_receipt(city_client, completed_case, settings):
    # given
    settings.HAOCHAPING_CHANNELS = {"PUBLIC_URL": "https://hcp.example"}
    # when
    r = city_client.post(
        f"/api/v1/cases/{completed_case.project_no}/rating-link", {"expiresDays": 3}
    )
    # then
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["url"].startswith("https://hcp.example/r/")
        and len(body["url"]) == len("https://hcp.example/r/") + 22
    )
    assert body["qrSvg"].startswith("<svg") and "</svg>" in body["qrSvg"]
    assert base64.b64decode(body["qrPng"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert completed_case.project_no in body["receiptHtml"] and body["url"] in body["receiptHtml"]
    assert "ཞབས་ཞུར་དཔྱད་བརྗོད" in body["receiptHtml"]
    assert (body["stage"], body["assessNumber"], body["pf"], body["smsStatus"]) == (
        "completion",
        1,
        3,
        None,
    )
    link = RatingLink.objects.get()
    assert link.expires_at - link.created_at == dt.timedelta(days=3)


def test_rating_link_of_an_open_case_at_completion_is_422(city_client, org_tree):
    case = make_case(org_tree, accepted_at=now() - dt.timedelta(hours=3))
    r = city_client.post(f"/api/v1/cases/{case.project_no}/rating-link", {"stage": "completion"})
    assert r.status_code == 422
    assert r.json()["extra"] == {
        "errors": {"stage": ["The case is not completed yet, so it cannot be rated at completion."]}
    }


def test_rating_link_by_sms(city_client, completed_case):
    r = city_client.post(
        f"/api/v1/cases/{completed_case.project_no}/rating-link", {"sms": True, "language": "bo"}
    )
    assert r.status_code == 201, r.content
    sms = SmsMessage.objects.get()
    assert r.json()["smsStatus"] == "pending"
    assert r.json()["url"] in sms.body
    assert RatingLink.objects.get().channel == Channel.SMS


def test_rating_link_bad_return_url_is_422(city_client, completed_case):
    r = city_client.post(
        f"/api/v1/cases/{completed_case.project_no}/rating-link",
        {"returnUrl": "https://evil.example/"},
    )
    assert r.status_code == 422
    assert r.json()["extra"] == {
        "errors": {"returnUrl": ["This return URL is not on the list of allowed sites."]}
    }
