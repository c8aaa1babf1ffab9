"""The citizen's online self-rating (网上自助评价): SMS link, public page in zh-hans and bo."""

import json

import pytest
from django.test import Client

from haochaping.notifications.models import SmsMessage
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Callback
from haochaping.rectification.selfrating import self_rating_token
from haochaping.rectification.tests.conftest import login
from haochaping.rectification.tests.helpers import advance, open_rectification

pytestmark = pytest.mark.django_db


def _waiting(org_tree, people, **kw):
    return advance(
        open_rectification(org_tree, **kw),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )


def _link(sms: SmsMessage) -> str:
    return sms.body[sms.body.index("/rectification/rate/") :].split()[0].rstrip("/") + "/"


def test_liaison_sends_the_link_and_the_citizen_is_satisfied(org_tree, people, clock):
    # given
    r = _waiting(org_tree, people)
    # when the liaison sends the link (page form)
    response = login(people.liaison).post(f"/rectification/{r.pk}/op/invite_self_rating/")
    assert response.status_code == 302
    sms = SmsMessage.objects.get(message="callback.invite")
    assert sms.phone_masked == "139****5678"
    assert r.case.project_no in sms.body
    path = _link(sms)
    # and the citizen opens it and answers (Tibetan page)
    citizen = Client(headers={"accept-language": "bo"})
    page = citizen.get(path)
    assert page.status_code == 200
    assert 'lang="bo"' in page.content.decode()
    assert "ལེགས་བཅོས་བྱས་པར་ཁྱེད་ཇི་ཙམ་ཡིད་ཚིམ་བྱུང་ངམ།" in page.content.decode()
    assert "ཕལ་ཆེར་ཡིད་ཚིམ།" in page.content.decode()
    answer = citizen.post(path, {"satisfaction": "basic"})
    # then
    assert answer.status_code == 200
    assert 'data-result="thanks"' in answer.content.decode()
    r.refresh_from_db()
    assert (r.status, r.fix_satisfaction) == (Status.CLOSED, "basic")
    assert list(Callback.objects.values_list("method", "outcome", "satisfaction")) == [
        ("online", "reached", "basic")
    ]
    assert 'data-result="already"' in citizen.get(path).content.decode()
    again = citizen.post(path, {"satisfaction": "satisfied"})
    assert again.status_code == 409


def test_an_unsatisfied_answer_waits_for_the_liaison(org_tree, people, clock):
    r = _waiting(org_tree, people)
    path = f"/rectification/rate/{self_rating_token(r.pk, 0)}/"
    assert Client().post(path, {"satisfaction": "unsatisfied"}).status_code == 200
    r.refresh_from_db()
    assert (r.status, r.fix_satisfaction) == (Status.AWAITING_CALLBACK, "unsatisfied")
    # the liaison then decides
    detail = login(people.liaison).get(f"/rectification/{r.pk}/").content.decode()
    assert 'data-action="callback"' in detail


def test_bad_tokens_and_answers(org_tree, people, clock):
    r = _waiting(org_tree, people)
    assert Client().get("/rectification/rate/forged.token/").status_code == 404
    stale = f"/rectification/rate/{self_rating_token(r.pk, 1)}/"  # a round that does not exist
    assert Client().get(stale).status_code == 404
    path = f"/rectification/rate/{self_rating_token(r.pk, 0)}/"
    response = Client(headers={"accept-language": "en"}).post(path, {"satisfaction": "great"})
    assert response.status_code == 422
    assert "Choose one answer." in response.content.decode()
    clock.shift(8 * 86400)  # links last 7 days
    assert Client().get(path).status_code == 404


def test_invite_refusals(org_tree, people, clock):
    new = open_rectification(org_tree)
    api = login(people.liaison)
    response = api.post(
        f"/api/v1/rectifications/{new.pk}/invite-self-rating",
        json.dumps({}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["message"]) == (
        409,
        "“Send the self-rating link” is not possible while the rectification is “New”.",
    )
    waiting = _waiting(org_tree, people)
    assert (
        login(people.handler)
        .post(f"/api/v1/rectifications/{waiting.pk}/invite-self-rating")
        .status_code
        == 403
    )
    ok = api.post(f"/api/v1/rectifications/{waiting.pk}/invite-self-rating")
    assert ok.status_code == 201 and ok.json()["to"] == "139****5678"
    anonymous = _waiting(org_tree, people, anonymous=True)
    response = api.post(f"/api/v1/rectifications/{anonymous.pk}/invite-self-rating")
    assert (response.status_code, response.json()["extra"]) == (
        422,
        {"errors": {"mobile": ["This review has no mobile number."]}},
    )
