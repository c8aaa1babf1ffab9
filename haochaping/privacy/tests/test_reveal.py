"""Masked identities, the reveal with a reason, its log, and the rated staff who never see one."""

from __future__ import annotations

import datetime as dt

import pytest

from haochaping.appeals.tests.helpers import MOBILE, bad_rating, rectification_for
from haochaping.coverage.services import comment_register
from haochaping.privacy.models import RevealLog
from haochaping.privacy.policy import TARGETS, may_reveal
from haochaping.privacy.tests.conftest import login
from haochaping.rectification.models import Rectification
from haochaping.rectification.services import rectification_contact_reveal
from haochaping.testing.builders import make_id_number

pytestmark = pytest.mark.django_db

CERT = make_id_number("540102", dt.date(1990, 5, 17), 11)


@pytest.fixture
def rating(org_tree):
    return bad_rating(org_tree, evaluator_cert_no=CERT)


def test_handler_reveals_the_evaluator_once_with_a_reason_and_it_is_logged(people, rating):
    # given
    client = login(people.handler)
    # when
    response = client.post(
        f"/privacy/reveal/rating/{rating.pk}/", {"reason": "call back about the fix"}
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert f"<span data-identity-mobile>{MOBILE}</span>" in html
    assert f"<span data-identity-cert>{CERT}</span>" in html
    assert "shown to you once; this was logged" in html
    log = RevealLog.objects.get()
    assert (log.user, log.role, log.target, log.object_id, log.fields, log.reason, log.address) == (
        people.handler,
        "handler",
        "rating",
        str(rating.pk),
        ["name", "mobile", "cert_no"],
        "call back about the fix",
        "127.0.0.1",
    )


def test_no_reason_no_reveal_and_the_message_is_in_the_users_language(people, rating):
    # when
    response = login(people.handler, "zh-hans").post(
        f"/privacy/reveal/rating/{rating.pk}/", {"reason": "   "}, headers={"hx-request": "true"}
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert "请填写查看完整身份信息的原因。" in html
    assert MOBILE not in html
    assert not RevealLog.objects.exists()


def test_out_of_scope_and_unknown_records_are_not_found(people, rating):
    assert (
        login(people.dx_handler)
        .post(f"/privacy/reveal/rating/{rating.pk}/", {"reason": "x"})
        .status_code
        == 404
    )
    assert (
        login(people.handler).post("/privacy/reveal/nothing/1/", {"reason": "x"}).status_code == 404
    )
    assert (
        login(people.leader)
        .post(f"/privacy/reveal/rating/{rating.pk}/", {"reason": "x"})
        .status_code
        == 403
    )
    assert not RevealLog.objects.exists()


def test_rated_staff_never_see_the_evaluator(org_tree, people, rating):
    # given: the rated staff member's own bad review, and a comment about the unit
    comment = comment_register(
        source="phone",
        subject_kind="unit",
        text="窗口人员态度不好",
        unit=org_tree.police,
        submitter_name="次仁",
        submitter_mobile="13855556666",
        acting_user=people.liaison,
    )
    client = login(people.staff)
    # when / then: no reveal of anything that names an evaluator
    for target, pk in (("rating", rating.pk), ("comment", comment.pk)):
        response = client.post(f"/privacy/reveal/{target}/{pk}/", {"reason": "I want to know"})
        assert response.status_code == 403
        assert MOBILE not in response.content.decode()
    assert not RevealLog.objects.exists()
    # not even an account with the window role and superuser rights
    people.staff.is_superuser = True
    assert not any(may_reveal(people.staff, t) for t in TARGETS.values() if t.evaluator)
    people.staff.is_superuser = False
    # the pages the rated staff member works with show neither the name nor the mobile
    for url in (
        "/appeals/",
        "/appeals/notices/",
        f"/appeals/file/{Rectification.objects.get(rating=rating).pk}/",
    ):
        html = client.get(url).content.decode()
        assert MOBILE not in html and MOBILE[-4:] not in html, url
        assert "卓玛" not in html, url


def test_comment_page_shows_the_submitter_masked_until_revealed(org_tree, people):
    comment = comment_register(
        source="phone",
        subject_kind="unit",
        text="材料清单不清楚",
        unit=org_tree.police,
        submitter_name="次仁",
        submitter_mobile="13855556666",
        acting_user=people.liaison,
    )
    client = login(people.liaison)
    html = client.get(f"/coverage/comments/{comment.pk}/").content.decode()
    assert "<span data-identity-mobile>138****6666</span>" in html
    assert "<span data-identity-name>次*</span>" in html
    assert "13855556666" not in html
    assert f'hx-post="/privacy/reveal/comment/{comment.pk}/"' in html
    # a leader reads the comment with the identity masked and no reveal form
    html = login(people.leader).get(f"/coverage/comments/{comment.pk}/").content.decode()
    assert "138****6666" in html and "/privacy/reveal/" not in html
    response = client.post(
        f"/privacy/reveal/comment/{comment.pk}/",
        {"reason": "reply to the citizen"},
        headers={"hx-request": "true"},
    )
    assert "<span data-identity-mobile>13855556666</span>" in response.content.decode()
    assert "<html" not in response.content.decode()  # the fragment only


def test_reveal_log_page_for_supervisors_includes_rectification_reveals(org_tree, people):
    # given: a reveal through the rectification workbench and one through the generic reveal
    r = rectification_for(org_tree)
    rectification_contact_reveal(
        rectification_id=r.pk, reason="phone the citizen", acting_user=people.handler
    )
    login(people.liaison).post(f"/privacy/reveal/rating/{r.rating_id}/", {"reason": "callback"})
    # when
    html = login(people.supervisor).get("/privacy/reveals/").content.decode()
    # then
    assert html.count("<tr data-reveal=") == 2
    assert f"rectification #{r.pk}" in html and "phone the citizen" in html
    assert f"rating #{r.rating_id}" in html and "callback" in html
    filtered = login(people.supervisor).get("/privacy/reveals/?user=liaison").content.decode()
    assert filtered.count("<tr data-reveal=") == 1
    for user in (people.handler, people.liaison, people.staff, people.leader):
        assert login(user).get("/privacy/reveals/").status_code == 403
