import datetime as dt

import pytest
import time_machine

from haochaping.cases.upsert import case_upsert
from haochaping.channels.enums import EntryKind, LinkPurpose
from haochaping.channels.exceptions import DeviceNotPaired, LinkExpired, LinkUsed
from haochaping.channels.models import Device, RatingLink, StaffEntry
from haochaping.channels.selectors import device_from_token
from haochaping.channels.services import (
    device_create,
    device_pair,
    device_pairing_renew,
    device_revoke,
    prompt_create,
    rating_invitation_send,
    rating_link_create,
    rating_link_submit,
    return_url_allowed,
    staff_rating_record,
    tablet_rating_submit,
)
from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput
from haochaping.notifications.models import SmsMessage
from haochaping.ratings.enums import Channel, Level, Origin, Stage
from haochaping.ratings.exceptions import AlreadyRated
from haochaping.ratings.models import Rating
from haochaping.testing.builders import make_case

pytestmark = pytest.mark.django_db


# --- devices ---------------------------------------------------------------------------------------


def test_pairing_code_gives_a_token_once_and_is_stored_hashed(org_tree, liaison):
    # given
    device, code = device_create(window=org_tree.window, name="A01", acting_user=liaison)
    # when
    paired, token = device_pair(code=code.lower())
    # then
    assert paired.pk == device.pk
    assert device_from_token(token).pk == device.pk
    stored = Device.objects.get(pk=device.pk)
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.pairing_code_hash == ""
    with pytest.raises(InvalidInput) as exc:
        device_pair(code=code)
    assert exc.value.extra == {
        "errors": {"code": ["This pairing code is not valid or has expired."]}
    }


def test_pairing_code_expires_after_a_day(org_tree, liaison):
    _device, code = device_create(window=org_tree.window, name="A01", acting_user=liaison)
    with time_machine.travel(now() + dt.timedelta(hours=25)), pytest.raises(InvalidInput):
        device_pair(code=code)


def test_revoked_device_token_stops_working(org_tree, liaison, paired):
    # given
    device, token = paired
    # when
    device_revoke(device=device, acting_user=liaison)
    # then
    assert device_from_token(token) is None
    device.refresh_from_db()
    assert device.revoked_by == liaison
    with pytest.raises(DeviceNotPaired):
        tablet_rating_submit(
            device=device,
            prompt_id=1,
            level=Level.SATISFIED,
            option_codes=[],
            text="",
            idempotency_key="k" * 20,
            assessed_at=now(),
        )


def test_new_pairing_code_ends_the_old_token(org_tree, liaison, paired):
    device, token = paired
    _device, code = device_pairing_renew(device=device, acting_user=liaison)
    assert device_from_token(token) is None
    _device, token2 = device_pair(code=code)
    assert device_from_token(token2).pk == device.pk


# --- tablet ratings --------------------------------------------------------------------------------


def test_tablet_rating_is_channel_4_and_replays_return_the_first(org_tree, paired, completed_case):
    # given
    device, _token = paired
    prompt = prompt_create(window=org_tree.window, case=completed_case)
    kwargs = dict(
        device=device,
        prompt_id=prompt.pk,
        level=Level.VERY_SATISFIED,
        option_codes=["510"],
        text="很快",
        idempotency_key="tab-0001-aaaa-bbbb",
        assessed_at=now(),
    )
    # when
    first = tablet_rating_submit(**kwargs)
    again = tablet_rating_submit(**kwargs)
    # then
    assert first.created and not again.created
    assert again.rating.pk == first.rating.pk
    assert Rating.objects.count() == 1
    rating = first.rating
    assert (rating.channel, rating.stage, rating.device_id) == (
        Channel.EVALUATOR,
        Stage.COMPLETION,
        f"tablet-{device.pk}",
    )
    assert rating.origin == Origin.CITIZEN
    prompt.refresh_from_db()
    assert prompt.rated_at is not None


def test_prompt_of_a_rated_case_is_refused(org_tree, paired, completed_case):
    device, _token = paired
    prompt = prompt_create(window=org_tree.window, case=completed_case)
    tablet_rating_submit(
        device=device,
        prompt_id=prompt.pk,
        level=Level.SATISFIED,
        option_codes=[],
        text="",
        idempotency_key="tab-x-000000000001",
        assessed_at=now(),
    )
    with pytest.raises(AlreadyRated):
        prompt_create(window=org_tree.window, case=completed_case)


def test_prompt_at_completion_needs_a_completed_case(org_tree):
    case = make_case(org_tree, accepted_at=now() - dt.timedelta(hours=1))
    with pytest.raises(InvalidInput) as exc:
        prompt_create(window=org_tree.window, case=case, stage=Stage.COMPLETION)
    assert exc.value.extra == {
        "errors": {"stage": ["The case is not completed yet, so it cannot be rated at completion."]}
    }
    assert prompt_create(window=org_tree.window, case=case).stage == Stage.ACCEPTANCE


# --- links -----------------------------------------------------------------------------------------


def test_link_rates_once(completed_case):
    # given
    link, token = rating_link_create(case=completed_case)
    # when
    result = rating_link_submit(
        token=token, level=Level.SATISFIED, option_codes=["413"], language="bo"
    )
    # then
    link.refresh_from_db()
    assert link.rating == result.rating and link.used_at is not None
    assert result.rating.channel == Channel.QR_CODE
    assert result.rating.language == "bo"
    with pytest.raises(LinkUsed) as exc:
        rating_link_submit(token=token, level=Level.SATISFIED, option_codes=[])
    assert str(exc.value.message) == "This rating link has already been used."


def test_link_expires_after_the_configured_days(completed_case, settings):
    settings.HAOCHAPING_CHANNELS = {"LINK_DAYS": 2}
    link, token = rating_link_create(case=completed_case)
    assert link.expires_at - link.created_at == dt.timedelta(days=2)
    with time_machine.travel(now() + dt.timedelta(days=2, seconds=1)), pytest.raises(LinkExpired):
        rating_link_submit(token=token, level=Level.SATISFIED, option_codes=[])
    assert not Rating.objects.exists()


def test_bad_review_through_a_link_needs_a_reason(completed_case):
    _link, token = rating_link_create(case=completed_case)
    with pytest.raises(InvalidInput) as exc:
        rating_link_submit(token=token, level=Level.DISSATISFIED, option_codes=[])
    assert exc.value.extra == {
        "errors": {
            "option_codes": [
                "A bad review needs at least one reason code or a written explanation."
            ]
        }
    }
    assert RatingLink.objects.get().used_at is None


def test_follow_up_link_only_after_a_bad_review(completed_case):
    # given: no rating yet
    with pytest.raises(InvalidInput) as exc:
        rating_link_create(case=completed_case, assess_number=2)
    assert exc.value.extra == {
        "errors": {
            "assessNumber": [
                "A follow-up rating is only possible after a bad review of the same case and stage."
            ]
        }
    }
    _l, token = rating_link_create(case=completed_case)
    rating_link_submit(token=token, level=Level.VERY_DISSATISFIED, option_codes=["113"])
    # when
    _link2, token2 = rating_link_create(
        case=completed_case, assess_number=2, purpose=LinkPurpose.FOLLOW_UP
    )
    follow = rating_link_submit(token=token2, level=Level.SATISFIED, option_codes=[])
    # then
    assert follow.rating.assess_number == 2
    with pytest.raises(AlreadyRated):
        rating_link_create(case=completed_case, assess_number=2)


def test_return_url_must_be_on_the_allow_list(settings):
    settings.HAOCHAPING_CHANNELS = {
        "FRAME_ANCESTORS": ["https://zwfw.xizang.gov.cn"],
        "PUBLIC_URL": "https://hcp.example",
    }
    assert return_url_allowed("https://zwfw.xizang.gov.cn/done?x=1")
    assert return_url_allowed("https://hcp.example/r/")
    assert not return_url_allowed("https://evil.example/")
    assert not return_url_allowed("javascript:alert(1)")


# --- SMS invitations -------------------------------------------------------------------------------


def test_online_case_completion_sends_one_invitation(org_tree, settings):
    # given: an online case is registered, then completed (twice, as business systems do)
    settings.HAOCHAPING_CHANNELS = {"PUBLIC_URL": "https://hcp.example"}
    accepted = now() - dt.timedelta(days=1)
    fields = dict(
        item=org_tree.items["cg_hukou"],
        unit=org_tree.cg_police,
        applicant_type="1",
        applicant_name="卓玛",
        applicant_mobile="13912345678",
        apply_channel="online",
        accepted_at=accepted,
    )
    case_upsert(project_no="540102-ONLINE-1", **fields)
    assert not SmsMessage.objects.exists()
    # when
    done = now() - dt.timedelta(hours=1)
    case_upsert(project_no="540102-ONLINE-1", completed_at=done, **fields)
    case_upsert(project_no="540102-ONLINE-1", completed_at=done, **fields)
    # then
    sms = SmsMessage.objects.get()
    assert sms.message == "rating.invite" and sms.language == "zh-hans"
    assert "540102-ONLINE-1" in sms.body and "https://hcp.example/r/" in sms.body
    link = RatingLink.objects.get()
    assert (link.channel, link.purpose, link.stage) == (
        Channel.SMS,
        LinkPurpose.SMS,
        Stage.COMPLETION,
    )


def test_window_case_completion_sends_nothing(completed_case):
    assert not SmsMessage.objects.exists()


def test_staff_requested_invitation_in_tibetan(completed_case, liaison):
    invitation = rating_invitation_send(case=completed_case, language="bo", acting_user=liaison)
    assert invitation.sms.language == "bo"
    assert "ཞབས་ཞུར་དཔྱད་བརྗོད་གནང་རོགས" in invitation.sms.body
    assert invitation.link.created_by == liaison


def test_invitation_needs_a_mobile(org_tree):
    case = make_case(
        org_tree, applicant_mobile="", accepted_at=now() - dt.timedelta(days=1), completed_at=now()
    )
    with pytest.raises(InvalidInput) as exc:
        rating_invitation_send(case=case)
    assert exc.value.extra == {"errors": {"mobile": ["The case has no applicant mobile number."]}}


# --- staff-entered ---------------------------------------------------------------------------------


def test_phone_operator_entry_is_channel_6_and_marked(completed_case, liaison):
    entry = staff_rating_record(
        kind=EntryKind.PHONE,
        case=completed_case,
        level=Level.BASIC,
        operator=liaison,
        option_codes=["309"],
        paper_ref="ignored",
    )
    rating = entry.rating
    assert (rating.channel, rating.is_staff_entered, rating.is_paper) == (
        Channel.PHONE,
        True,
        False,
    )
    assert rating.origin == Origin.STAFF_ENTERED
    assert (entry.operator, entry.paper_ref) == (liaison, "")


def test_paper_entry_is_marked_paper_and_each_form_keyed_once(org_tree, completed_case, liaison):
    # given
    entry = staff_rating_record(
        kind=EntryKind.PAPER,
        case=completed_case,
        level=Level.SATISFIED,
        operator=liaison,
        paper_ref="DX-2026-0001",
        assessed_at=now() - dt.timedelta(minutes=30),
    )
    assert entry.rating.origin == Origin.PAPER
    assert entry.rating.channel == Channel.KIOSK
    other = make_case(
        org_tree,
        accepted_at=now() - dt.timedelta(days=1),
        completed_at=now() - dt.timedelta(hours=1),
    )
    # when / then
    with pytest.raises(InvalidInput) as exc:
        staff_rating_record(
            kind=EntryKind.PAPER,
            case=other,
            level=Level.SATISFIED,
            operator=liaison,
            paper_ref="DX-2026-0001",
        )
    assert exc.value.extra == {
        "errors": {
            "paper_ref": [
                f"This paper form was already keyed in (receipt code {entry.rating.receipt})."
            ]
        }
    }
    with pytest.raises(InvalidInput) as exc:
        staff_rating_record(
            kind=EntryKind.PAPER, case=other, level=Level.SATISFIED, operator=liaison
        )
    assert exc.value.extra == {"errors": {"paper_ref": ["Give the paper form's reference number."]}}
    assert StaffEntry.objects.count() == 1 and Rating.objects.count() == 1


def test_rating_through_an_sms_link_is_channel_7(completed_case):
    invitation = rating_invitation_send(case=completed_case)
    result = rating_link_submit(token=invitation.token, level=Level.VERY_SATISFIED, option_codes=[])
    assert result.rating.channel == Channel.SMS
