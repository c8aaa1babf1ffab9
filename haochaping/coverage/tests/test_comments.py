"""综合点评: staff registration, the public form and its abuse protection, classification, and
negative comments routed to the unit through the rectification workflow."""

import datetime as dt
import re

import pytest
from django.test import Client

from haochaping.core.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from haochaping.coverage import services
from haochaping.coverage.enums import CommentSource, CommentStatus, Sentiment, SubjectKind, Topic
from haochaping.coverage.models import Comment
from haochaping.coverage.selectors import comment_counts
from haochaping.coverage.tests.conftest import at, login
from haochaping.ratings.enums import Channel, Level, Origin
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification

pytestmark = pytest.mark.django_db


def _slip(tree, people, **kw):
    fields = {
        "source": CommentSource.SUGGESTION_BOX,
        "subject_kind": SubjectKind.UNIT,
        "unit": tree.police,
        "text": "大厅取号机经常坏,等候时间太长。",
        "source_ref": "BOX-2026-11-001",
        "acting_user": people.liaison,
        "received_at": at("2026-11-04 17:00"),
    }
    fields.update(kw)
    return services.comment_register(**fields)


def test_staff_register_a_suggestion_box_slip(org_tree, people, clock):
    # when
    c = _slip(org_tree, people)

    # then
    assert (c.status, c.unit, c.registered_by, c.source_ref) == (
        CommentStatus.NEW,
        org_tree.police,
        people.liaison,
        "BOX-2026-11-001",
    )
    assert re.fullmatch(r"C[2-9A-Z]{9}", c.reference)


def test_the_subject_decides_the_unit(org_tree, people, clock):
    hall = _slip(org_tree, people, subject_kind=SubjectKind.HALL, unit=None, hall=org_tree.hall)
    item = _slip(
        org_tree, people, subject_kind=SubjectKind.ITEM, unit=None, item=org_tree.items["cg_hukou"]
    )
    assert (hall.unit, hall.hall) == (org_tree.bureau, org_tree.hall)
    assert (item.unit, item.item) == (org_tree.cg_police, org_tree.items["cg_hukou"])


def test_registration_checks_input_and_role(org_tree, people, clock):
    with pytest.raises(InvalidInput) as exc:
        _slip(org_tree, people, text=" ", unit=None, submitter_mobile="12345")
    assert exc.value.extra["errors"]["text"] == ["Write the comment."]
    assert exc.value.extra["errors"]["unit"] == ["Choose the unit."]
    assert "submitter_mobile" in exc.value.extra["errors"]
    with pytest.raises(PermissionDenied):
        _slip(org_tree, people, acting_user=people.window)


def test_a_negative_comment_opens_a_rectification_for_the_named_unit(org_tree, people, clock):
    # given
    c = _slip(org_tree, people, submitter_name="次仁", submitter_mobile="13911112222")

    # when
    c = services.comment_classify(
        comment_id=c.pk,
        sentiment=Sentiment.NEGATIVE,
        topic=Topic.FACILITIES,
        level=Level.DISSATISFIED,
        acting_user=people.liaison,
    )

    # then
    assert c.status == CommentStatus.ROUTED
    rating = c.rating
    assert (rating.case_id, rating.unit, rating.level, rating.channel) == (
        None,
        org_tree.police,
        Level.DISSATISFIED,
        Channel.KIOSK,
    )
    assert (rating.is_paper, rating.is_staff_entered, rating.origin) == (True, True, Origin.COMMENT)
    assert rating.text.startswith(f"[{c.reference}] 大厅取号机")
    assert rating.evaluator_mobile == "13911112222"
    r = Rectification.objects.get(rating=rating)
    assert (r.unit, r.status, r.handler) == (org_tree.police, Status.NEW, people.handler)
    with pytest.raises(InvalidTransition) as exc:
        services.comment_classify(
            comment_id=c.pk, sentiment=Sentiment.PRAISE, acting_user=people.liaison
        )
    assert str(exc.value.message) == "This comment is already classified."


def test_other_classifications_do_not_make_ratings(org_tree, people, clock):
    praise = services.comment_classify(
        comment_id=_slip(org_tree, people).pk,
        sentiment=Sentiment.PRAISE,
        acting_user=people.liaison,
    )
    spam = services.comment_classify(
        comment_id=_slip(org_tree, people).pk, sentiment=Sentiment.SPAM, acting_user=people.liaison
    )
    assert (praise.status, praise.topic, praise.rating) == (CommentStatus.NOTED, Topic.OTHER, None)
    assert (spam.status, spam.rating) == (CommentStatus.REJECTED, None)
    with pytest.raises(InvalidInput) as exc:
        services.comment_classify(
            comment_id=_slip(org_tree, people).pk,
            sentiment=Sentiment.NEGATIVE,
            acting_user=people.liaison,
        )
    assert exc.value.extra == {
        "errors": {"level": ["A negative comment is rated 不满意 or 非常不满意."]}
    }


def test_comments_are_counted_separately(org_tree, people, clock):
    # given
    _slip(org_tree, people)
    _slip(org_tree, people, source=CommentSource.EMAIL)
    c = _slip(org_tree, people, source=CommentSource.COMPLAINT_PHONE)
    services.comment_classify(
        comment_id=c.pk,
        sentiment=Sentiment.NEGATIVE,
        level=Level.VERY_DISSATISFIED,
        acting_user=people.liaison,
    )

    # when
    counts = comment_counts(people.liaison, since=dt.date(2026, 11, 1), until=dt.date(2026, 11, 30))

    # then
    assert counts["total"] == 3
    assert counts["bySource"] == {"box": 1, "email": 1, "phone": 1}
    assert counts["bySentiment"] == {"unclassified": 2, "negative": 1}
    assert [(r["unit_id"], r["total"], r["negative"]) for r in counts["byUnit"]] == [
        (org_tree.police.pk, 3, 1)
    ]


# --- the public form ----------------------------------------------------------------------------


def _form(client: Client, lang: str = "en") -> dict[str, str]:
    response = client.get(f"/comment/?lang={lang}")
    assert response.status_code == 200
    html = response.content.decode()
    return {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1],
        "stamp": re.search(r'name="stamp" value="([^"]+)"', html)[1],
    }


def _post(client, tree, hidden, **extra):
    data = {
        **hidden,
        "subject_kind": "unit",
        "unit": str(tree.police.pk),
        "text": "网上申报系统经常打不开。",
        "name": "",
        "mobile": "",
        "email": "",
        "website": "",
    }
    data.update(extra)
    return client.post("/comment/", data)


def test_public_form_accepts_a_comment_from_a_citizen(org_tree, people, clock):
    # given
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.1.2.3")
    hidden = _form(client)
    clock.shift(dt.timedelta(seconds=8))

    # when
    response = _post(client, org_tree, hidden, mobile="13922223333")

    # then
    c = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/comment/thanks/{c.reference}/"
    assert (c.source, c.registered_by, c.unit, c.status, c.submitter_mobile) == (
        CommentSource.WEB,
        None,
        org_tree.police,
        CommentStatus.NEW,
        "13922223333",
    )
    assert c.client_hash and "10.1.2.3" not in c.client_hash
    thanks = client.get(response["Location"])
    assert c.reference in thanks.content.decode()


def test_public_form_refuses_bots_and_stale_or_hasty_posts(org_tree, people, clock):
    client = Client(enforce_csrf_checks=True)
    hidden = _form(client)
    # too fast
    response = _post(client, org_tree, hidden)
    assert response.status_code == 422
    assert (
        "The form was sent too quickly. Please check it and send it again."
        in response.content.decode()
    )
    # the honeypot
    clock.shift(dt.timedelta(seconds=10))
    response = _post(client, org_tree, hidden, website="http://spam.example")
    assert response.status_code == 422
    assert "Your message could not be accepted." in response.content.decode()
    # tampered or stale stamp
    response = _post(client, org_tree, {**hidden, "stamp": hidden["stamp"] + "x"})
    assert "The form has expired. Please send it again." in response.content.decode()
    clock.shift(dt.timedelta(hours=3))
    response = _post(client, org_tree, hidden)
    assert "The form has expired. Please send it again." in response.content.decode()
    # no CSRF token
    response = client.post("/comment/", {"stamp": hidden["stamp"], "text": "x"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_public_form_rate_limit_per_address(org_tree, people, clock):
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(3):
        hidden = _form(client)
        clock.shift(dt.timedelta(seconds=5))
        assert _post(client, org_tree, hidden).status_code == 302
    hidden = _form(client)
    clock.shift(dt.timedelta(seconds=5))
    response = _post(client, org_tree, hidden)
    assert response.status_code == 429
    assert (
        "Too many messages from your connection. Please try again later."
        in response.content.decode()
    )
    # another address is not affected
    other = Client(REMOTE_ADDR="10.9.9.10")
    hidden = _form(other)
    clock.shift(dt.timedelta(seconds=5))
    assert _post(other, org_tree, hidden).status_code == 302
    assert Comment.objects.count() == 4


def test_public_form_reports_field_errors_in_tibetan(org_tree, people, clock):
    client = Client()
    hidden = _form(client, lang="bo")
    clock.shift(dt.timedelta(seconds=5))
    response = _post(client, org_tree, hidden, text="")
    assert response.status_code == 422
    html = response.content.decode()
    assert '<html lang="bo">' in html
    assert "བསམ་འཆར་འབྲི་རོགས།" in html  # "Write the comment." from the bo catalog
    assert "ཁྱེད་ཀྱི་བསམ་འཆར་གང་གི་སྐོར་ཡིན།" in html


def test_staff_pages_register_and_classify(org_tree, people, clock):
    # given
    client = login(people.liaison)

    # when
    response = client.post(
        "/coverage/comments/",
        {
            "source": "phone",
            "subject_kind": "unit",
            "unit": str(org_tree.police.pk),
            "text": "12345转来:窗口人员态度生硬。",
            "source_ref": "12345-889",
        },
    )
    c = Comment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/coverage/comments/{c.pk}/"
    response = client.post(
        f"/coverage/comments/{c.pk}/",
        {"sentiment": "negative", "topic": "attitude", "level": "very_dissatisfied"},
    )

    # then
    assert response.status_code == 302
    page = client.get(f"/coverage/comments/{c.pk}/").content.decode()
    r = Rectification.objects.get()
    assert f'data-rectification="{r.pk}"' in page
    assert client.get("/coverage/comments/").status_code == 200
    # window staff may not read comments; a handler of another unit does not find it
    assert login(people.window).get(f"/coverage/comments/{c.pk}/").status_code == 403
