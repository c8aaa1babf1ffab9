"""Services: every path through the table with the real services, refusals, reveals, evidence."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from haochaping.core.exceptions import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from haochaping.notifications.models import Notification
from haochaping.rectification import services
from haochaping.rectification.enums import Resolution, Status
from haochaping.rectification.models import Callback, ContactReveal, Evidence
from haochaping.rectification.selectors import callback_rate, overview_by_unit
from haochaping.rectification.tests.helpers import MOBILE, advance, at, open_rectification

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def test_the_main_path_to_a_satisfied_close(org_tree, people, clock):
    r = open_rectification(org_tree)
    r = advance(r, Status.CLOSED, handler=people.handler, liaison=people.liaison)
    assert (r.status, r.resolution, r.fix_satisfaction) == (
        Status.CLOSED,
        Resolution.RECTIFIED,
        "satisfied",
    )
    assert r.closed_at == at("2026-10-12 09:00")
    assert list(r.events.values_list("type", flat=True)) == [
        "rectification.opened",
        "rectification.contacted",
        "rectification.started",
        "rectification.feedback_given",
        "rectification.feedback_accepted",
        "rectification.closed",
    ]
    actors = set(
        r.events.exclude(type="rectification.opened").values_list("actor_label", flat=True)
    )
    assert actors == {"h-police", "liaison"}
    assert r.version == 6


def test_fixed_at_once_from_new(org_tree, people, clock):
    r = open_rectification(org_tree)
    r = services.rectification_fix_at_once(
        rectification_id=r.pk, note="当场补办", acting_user=people.handler
    )
    assert (r.status, r.resolution) == (Status.FEEDBACK_GIVEN, Resolution.FIXED_AT_ONCE)
    assert r.contacted_at == r.feedback_at == at("2026-10-12 09:00")


def test_explanation_where_the_request_lacks_a_legal_basis(org_tree, people, clock):
    r = advance(
        open_rectification(org_tree),
        Status.CONTACTED,
        handler=people.handler,
        liaison=people.liaison,
    )
    r = services.rectification_explain(
        rectification_id=r.pk, note="该诉求无法律依据,已解释", acting_user=people.handler
    )
    assert (r.status, r.resolution) == (Status.FEEDBACK_GIVEN, Resolution.EXPLAINED)


def test_the_liaison_returns_weak_feedback(org_tree, people, clock):
    r = advance(
        open_rectification(org_tree),
        Status.FEEDBACK_GIVEN,
        handler=people.handler,
        liaison=people.liaison,
    )
    clock.move_to(at("2026-10-14 10:00"))
    r = services.rectification_return(
        rectification_id=r.pk, note="缺少整改材料", acting_user=people.liaison
    )
    assert (r.status, r.feedback_at, r.close_due_at) == (Status.RECTIFYING, None, None)
    assert r.feedback_due_at == at("2026-10-21 18:00")
    assert Notification.objects.filter(
        recipient=people.handler, message="rectification.returned"
    ).exists()


def test_unreachable_callback_keeps_the_item_in_the_queue(org_tree, people, clock):
    r = advance(
        open_rectification(org_tree),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    r = services.rectification_callback(
        rectification_id=r.pk,
        method="phone",
        outcome="unreachable",
        note="无人接听",
        acting_user=people.liaison,
    )
    assert r.status == Status.AWAITING_CALLBACK
    assert list(Callback.objects.values_list("method", "outcome", "satisfaction")) == [
        ("phone", "unreachable", "")
    ]


def test_unsatisfied_reopens_once_then_must_escalate(org_tree, people, clock):
    r = advance(
        open_rectification(org_tree),
        Status.REOPENED,
        handler=people.handler,
        liaison=people.liaison,
    )
    assert Notification.objects.filter(
        recipient=people.handler, message="rectification.reopened"
    ).exists()
    r = advance(r, Status.AWAITING_CALLBACK, handler=people.handler, liaison=people.liaison)
    with pytest.raises(InvalidTransition) as exc:
        services.rectification_callback(
            rectification_id=r.pk,
            method="sms",
            outcome="reached",
            satisfaction="unsatisfied",
            after_unsatisfied="reopen",
            acting_user=people.liaison,
        )
    assert exc.value.message == (
        "This rectification was already reopened once; escalate it to supervision instead."
    )
    assert Callback.objects.filter(rectification=r).count() == 1  # the refused one rolled back
    r = services.rectification_callback(
        rectification_id=r.pk,
        method="sms",
        outcome="reached",
        satisfaction="unsatisfied",
        after_unsatisfied="escalate",
        acting_user=people.liaison,
    )
    assert r.status == Status.ESCALATED
    assert Notification.objects.filter(
        recipient=people.supervisor, message="rectification.escalated"
    ).exists()


def test_supervision_concludes_or_sends_back(org_tree, people, clock):
    a = advance(
        open_rectification(org_tree),
        Status.ESCALATED,
        handler=people.handler,
        liaison=people.liaison,
    )
    b = advance(
        open_rectification(org_tree),
        Status.ESCALATED,
        handler=people.handler,
        liaison=people.liaison,
    )
    a = services.rectification_supervision_close(
        rectification_id=a.pk, note="督查结论:已尽责", acting_user=people.supervisor
    )
    b = services.rectification_supervision_return(
        rectification_id=b.pk, note="责令重新整改", acting_user=people.supervisor
    )
    assert (a.status, b.status) == (Status.CLOSED, Status.RECTIFYING)


def test_anonymous_review_closes_without_a_callback(org_tree, people, clock):
    anon = advance(
        open_rectification(org_tree, anonymous=True),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    r = services.rectification_callback(
        rectification_id=anon.pk, method="online", outcome="no_contact", acting_user=people.liaison
    )
    assert r.status == Status.CLOSED
    named = advance(
        open_rectification(org_tree),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    with pytest.raises(InvalidInput) as exc:
        services.rectification_callback(
            rectification_id=named.pk,
            method="phone",
            outcome="no_contact",
            acting_user=people.liaison,
        )
    assert exc.value.extra == {
        "errors": {
            "outcome": ["This is a real-name review with contact details: call the citizen."]
        }
    }


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        (
            {"method": "fax", "outcome": "reached", "satisfaction": "satisfied"},
            {"method": ["Choose phone, SMS or online self-rating."]},
        ),
        (
            {"method": "phone", "outcome": "reached"},
            {"satisfaction": ["Record the citizen's satisfaction with the fix."]},
        ),
        (
            {"method": "phone", "outcome": "unreachable", "satisfaction": "satisfied"},
            {"satisfaction": ["Satisfaction is recorded only when the citizen was reached."]},
        ),
        (
            {"method": "phone", "outcome": "reached", "satisfaction": "unsatisfied"},
            {"after_unsatisfied": ["The citizen is unsatisfied: reopen or escalate."]},
        ),
        (
            {"method": "phone", "outcome": "maybe"},
            {"outcome": ["Choose whether the citizen was reached."]},
        ),
    ],
)
def test_callback_input_is_checked(org_tree, people, clock, kwargs, errors):
    r = advance(
        open_rectification(org_tree),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    with pytest.raises(InvalidInput) as exc:
        services.rectification_callback(rectification_id=r.pk, acting_user=people.liaison, **kwargs)
    assert exc.value.extra == {"errors": errors}


def test_withdraw_after_an_upheld_appeal(org_tree, people, clock):
    r = advance(
        open_rectification(org_tree),
        Status.RECTIFYING,
        handler=people.handler,
        liaison=people.liaison,
    )
    r = services.rectification_withdraw(
        rectification_id=r.pk, note="复核认定为恶意差评,不予采纳", acting_user=people.reviewer
    )
    assert r.status == Status.WITHDRAWN


def test_wrong_role_out_of_scope_and_invalid_transition(org_tree, people, clock):
    r = open_rectification(org_tree)
    with pytest.raises(PermissionDenied) as exc:
        services.rectification_contact(rectification_id=r.pk, note="x", acting_user=people.liaison)
    assert exc.value.message == "Your role may not do this: Record contact with the citizen."
    with pytest.raises(NotFound):
        services.rectification_contact(
            rectification_id=r.pk, note="x", acting_user=people.dx_handler
        )
    with pytest.raises(PermissionDenied):
        services.rectification_comment(rectification_id=r.pk, note="x", acting_user=people.window)
    with pytest.raises(InvalidTransition) as exc:
        services.rectification_feedback(rectification_id=r.pk, note="x", acting_user=people.handler)
    assert exc.value.message == (
        "“Give rectification feedback” is not possible while the rectification is “New”."
    )


def test_a_stale_version_is_a_conflict(org_tree, people, clock):
    r = open_rectification(org_tree)
    services.rectification_contact(
        rectification_id=r.pk, note="甲", acting_user=people.handler, expected_version=1
    )
    with pytest.raises(Conflict) as exc:
        services.rectification_contact(
            rectification_id=r.pk, note="乙", acting_user=people.handler, expected_version=1
        )
    assert exc.value.status == 409
    assert exc.value.message == (
        "Someone else changed this rectification a moment ago (now: Citizen "
        "contacted). Reload the page and try again."
    )
    assert r.events.filter(type="rectification.contacted").count() == 1


def test_notes_are_required_where_it_matters(org_tree, people, clock):
    r = open_rectification(org_tree)
    with pytest.raises(InvalidInput) as exc:
        services.rectification_contact(rectification_id=r.pk, note="  ", acting_user=people.handler)
    assert exc.value.extra == {"errors": {"note": ["This field is required."]}}
    r = advance(r, Status.CONTACTED, handler=people.handler, liaison=people.liaison)
    with pytest.raises(InvalidInput) as exc:
        services.rectification_start(
            rectification_id=r.pk, note="x", is_complex=True, acting_user=people.handler
        )
    assert exc.value.extra == {
        "errors": {"complex_reason": ["Say why the rectification is complex."]}
    }
    services.rectification_mark_complex(
        rectification_id=r.pk, reason="复杂", acting_user=people.handler
    )
    with pytest.raises(InvalidTransition) as exc:
        services.rectification_mark_complex(
            rectification_id=r.pk, reason="再次", acting_user=people.handler
        )
    assert exc.value.message == "This rectification is already marked complex."


def test_contact_reveal_is_logged(org_tree, people, clock):
    r = open_rectification(org_tree)
    contact = services.rectification_contact_reveal(
        rectification_id=r.pk, reason="电话联系群众", acting_user=people.handler
    )
    assert (contact.name, contact.mobile) == ("卓玛", MOBILE)
    assert (contact.masked.name, contact.masked.mobile) == ("卓*", "139****5678")
    reveal = ContactReveal.objects.get()
    assert (reveal.user, reveal.reason, reveal.created_at) == (
        people.handler,
        "电话联系群众",
        at("2026-10-12 09:00"),
    )
    assert r.events.filter(type="rectification.contact_revealed", note="电话联系群众").count() == 1
    with pytest.raises(InvalidInput):
        services.rectification_contact_reveal(
            rectification_id=r.pk, reason="", acting_user=people.handler
        )
    with pytest.raises(PermissionDenied):
        services.rectification_contact_reveal(
            rectification_id=r.pk, reason="看看", acting_user=people.supervisor
        )
    anon = open_rectification(org_tree, anonymous=True)
    with pytest.raises(NotFound) as exc:
        services.rectification_contact_reveal(
            rectification_id=anon.pk, reason="联系", acting_user=people.handler
        )
    assert exc.value.message == "This review carries no contact details (anonymous)."


def test_evidence_is_stored_outside_the_web_root_with_a_random_name(
    org_tree, people, clock, settings
):
    r = open_rectification(org_tree)
    files = [
        SimpleUploadedFile("现场照片.png", PNG, "image/png"),
        SimpleUploadedFile("整改报告.pdf", PDF, "application/pdf"),
    ]
    services.rectification_contact(
        rectification_id=r.pk, note="联系", acting_user=people.handler, files=files
    )
    stored = list(Evidence.objects.order_by("pk"))
    assert [(e.original_name, e.content_type, e.size) for e in stored] == [
        ("现场照片.png", "image/png", len(PNG)),
        ("整改报告.pdf", "application/pdf", len(PDF)),
    ]
    assert all(e.event.type == "rectification.contacted" for e in stored)
    path = stored[0].file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and "现场照片" not in path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ\x90\x00", "a.exe: only JPEG, PNG and PDF files are accepted."),
        ("a.png", b"GIF89a....", "a.png: the content is not a JPEG, PNG or PDF file."),
        ("a.pdf", b"", "a.pdf: the file is empty."),
        ("big.pdf", b"%PDF-" + b"x" * 2048, "big.pdf: the file is larger than 0 MB."),
    ],
)
def test_evidence_limits(org_tree, people, clock, settings, name, content, message):
    settings.HAOCHAPING_RECTIFICATION = {"EVIDENCE_MAX_BYTES": 1024}
    r = open_rectification(org_tree)
    with pytest.raises(InvalidInput) as exc:
        services.rectification_evidence_add(
            rectification_id=r.pk,
            acting_user=people.handler,
            files=[SimpleUploadedFile(name, content)],
        )
    assert exc.value.extra == {"errors": {"files": [message]}}
    assert not Evidence.objects.exists()


def test_too_many_files(org_tree, people, clock, settings):
    settings.HAOCHAPING_RECTIFICATION = {"EVIDENCE_MAX_FILES": 1}
    r = open_rectification(org_tree)
    with pytest.raises(InvalidInput) as exc:
        services.rectification_evidence_add(
            rectification_id=r.pk,
            acting_user=people.handler,
            files=[SimpleUploadedFile("a.png", PNG)] * 2,
        )
    assert exc.value.extra == {"errors": {"files": ["At most 1 files at a time."]}}


def test_supervision_urges_comments_and_spot_checks(org_tree, people, clock):
    r = open_rectification(org_tree)
    services.rectification_urge(
        rectification_id=r.pk, note="请加快办理", acting_user=people.supervisor
    )
    services.rectification_comment(
        rectification_id=r.pk, note="已关注", acting_user=people.supervisor
    )
    services.rectification_spot_check(
        rectification_id=r.pk, note="档案完整", acting_user=people.supervisor
    )
    assert list(r.events.values_list("type", "note")) == [
        ("rectification.opened", ""),
        ("rectification.urged", "请加快办理"),
        ("rectification.commented", "已关注"),
        ("rectification.spot_checked", "档案完整"),
    ]
    assert Notification.objects.get(
        recipient=people.handler, message="rectification.urged"
    ).params == {"item": r.label, "by": "supervisor"}
    with pytest.raises(PermissionDenied):
        services.rectification_urge(rectification_id=r.pk, note="x", acting_user=people.handler)
    r = advance(r, Status.CLOSED, handler=people.handler, liaison=people.liaison)
    with pytest.raises(InvalidTransition) as exc:
        services.rectification_urge(rectification_id=r.pk, note="x", acting_user=people.supervisor)
    assert exc.value.message == "“Urge” is not possible while the rectification is “Closed”."


def test_real_name_callback_rate(org_tree, people, clock):
    # given two real-name items with feedback given, one called back; and an anonymous one
    called = advance(
        open_rectification(org_tree), Status.CLOSED, handler=people.handler, liaison=people.liaison
    )
    advance(
        open_rectification(org_tree),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    advance(
        open_rectification(org_tree, anonymous=True),
        Status.AWAITING_CALLBACK,
        handler=people.handler,
        liaison=people.liaison,
    )
    open_rectification(org_tree)  # no feedback yet: not due for a callback
    # when
    rate = callback_rate(people.liaison)
    # then
    assert called.is_real_name
    assert (
        rate["due"],
        rate["called_back"],
        rate["rate"],
        rate["satisfied"],
        rate["satisfied_rate"],
    ) == (2, 1, 0.5, 1, 1.0)


def test_overview_counts_overdue_by_unit(org_tree, people, clock):
    open_rectification(org_tree)
    open_rectification(org_tree)
    open_rectification(org_tree, unit=org_tree.cg_police)
    clock.move_to(at("2026-10-14 09:00"))
    rows = {
        row["unit__name"]: (row["open"], row["overdue"]) for row in overview_by_unit(people.liaison)
    }
    assert rows == {"拉萨市公安局": (2, 2), "城关区公安分局": (1, 1)}
    assert [row["unit__name"] for row in overview_by_unit(people.cg_handler)] == ["城关区公安分局"]
