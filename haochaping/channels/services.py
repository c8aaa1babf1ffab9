"""Every write of the channels app: tablets, prompts, rating links, SMS invitations, staff entry.

Every rating is stored through :func:`haochaping.ratings.services.rating_submit`; this module
only decides the channel and flags, and binds links and prompts to the rating they produced.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from haochaping.cases.enums import CaseStatus
from haochaping.cases.models import Case
from haochaping.channels.conf import channel_setting
from haochaping.channels.enums import EntryKind, LinkPurpose, LinkState
from haochaping.channels.exceptions import DeviceNotPaired, LinkExpired, LinkUsed
from haochaping.channels.models import Device, Prompt, RatingLink, StaffEntry
from haochaping.channels.tokens import (
    new_device_token,
    new_link_token,
    new_pairing_code,
    normalise_pairing_code,
    token_hash,
)
from haochaping.core.clock import now
from haochaping.core.exceptions import Conflict, InvalidInput, NotFound
from haochaping.org.models import Window
from haochaping.ratings.enums import Channel, Level, Stage, is_bad
from haochaping.ratings.exceptions import AlreadyRated
from haochaping.ratings.models import Rating
from haochaping.ratings.services import SubmitResult, rating_submit

logger = logging.getLogger(__name__)

LINK_PATH = "/r/"


def _invalid(field: str, message: Any) -> InvalidInput:
    return InvalidInput(extra={"errors": {field: [str(message)]}})


# --- URLs -----------------------------------------------------------------------------------------


def public_base_url(request: Any = None) -> str:
    configured = channel_setting("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"


def link_url(token: str, request: Any = None) -> str:
    return f"{public_base_url(request)}{LINK_PATH}{token}"


def allowed_origins(request: Any = None) -> list[str]:
    """Origins that may frame the rating page and receive the citizen back (return URL)."""
    origins = [o.rstrip("/") for o in channel_setting("FRAME_ANCESTORS")]
    base = public_base_url(request)
    if base not in origins:
        origins.append(base)
    return origins


def return_url_allowed(url: str, request: Any = None) -> bool:
    if not url:
        return True
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return f"{parts.scheme}://{parts.netloc}" in allowed_origins(request)


# --- devices --------------------------------------------------------------------------------------


def _pairing_expiry() -> dt.datetime:
    return now() + dt.timedelta(hours=channel_setting("PAIRING_HOURS"))


@transaction.atomic
def device_create(*, window: Window, name: str, acting_user: Any) -> tuple[Device, str]:
    """Register a tablet for ``window``; returns it and its pairing code (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", _("Give a name of 1 to 100 characters."))
    if not window.active:
        raise _invalid("window", _("This window is not active."))
    code = new_pairing_code()
    device = Device.objects.create(
        window=window,
        name=name,
        pairing_code_hash=token_hash(code),
        pairing_expires_at=_pairing_expiry(),
        created_at=now(),
        created_by=acting_user,
    )
    return device, code


@transaction.atomic
def device_pairing_renew(*, device: Device, acting_user: Any) -> tuple[Device, str]:
    """A new pairing code for the device (e.g. a replaced tablet); the old token stops working."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is not None:
        raise _invalid("device", _("This tablet was revoked; register a new one."))
    code = new_pairing_code()
    device.pairing_code_hash = token_hash(code)
    device.pairing_expires_at = _pairing_expiry()
    device.token_hash = ""
    device.paired_at = None
    device.save(
        update_fields=["pairing_code_hash", "pairing_expires_at", "token_hash", "paired_at"]
    )
    return device, code


@transaction.atomic
def device_pair(*, code: str) -> tuple[Device, str]:
    """Trade a pairing code for a device token (single use); returns the device and the token."""
    code = normalise_pairing_code(code)
    device = (
        Device.objects.select_for_update()
        .filter(pairing_code_hash=token_hash(code), revoked_at__isnull=True)
        .first()
        if code
        else None
    )
    if device is None or device.pairing_expires_at is None or device.pairing_expires_at <= now():
        raise _invalid("code", _("This pairing code is not valid or has expired."))
    token = new_device_token()
    device.token_hash = token_hash(token)
    device.pairing_code_hash = ""
    device.pairing_expires_at = None
    device.paired_at = device.last_seen_at = now()
    device.save(
        update_fields=[
            "token_hash",
            "pairing_code_hash",
            "pairing_expires_at",
            "paired_at",
            "last_seen_at",
        ]
    )
    return device, token


@transaction.atomic
def device_revoke(*, device: Device, acting_user: Any) -> Device:
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is None:
        device.revoked_at = now()
        device.revoked_by = acting_user
        device.token_hash = ""
        device.pairing_code_hash = ""
        device.save(update_fields=["revoked_at", "revoked_by", "token_hash", "pairing_code_hash"])
    return device


def device_seen(*, device: Device) -> None:
    """Note that the tablet called in (at most one write a minute)."""
    at = now()
    if device.last_seen_at is None or at - device.last_seen_at > dt.timedelta(minutes=1):
        Device.objects.filter(pk=device.pk).update(last_seen_at=at)
        device.last_seen_at = at


# --- prompts (the window's business system -> the tablet) ----------------------------------------


def default_stage(case: Case) -> Stage:
    return Stage.COMPLETION if case.completed_at is not None else Stage.ACCEPTANCE


def _check_rateable(case: Case, stage: str, assess_number: int = 1) -> None:
    """Refuse what rating_submit would refuse anyway, before a citizen is asked."""
    if stage not in Stage.values:
        raise _invalid("stage", _("Unknown stage."))
    if stage == Stage.COMPLETION and (
        case.completed_at is None or case.status != CaseStatus.COMPLETED
    ):
        raise _invalid(
            "stage", _("The case is not completed yet, so it cannot be rated at completion.")
        )
    ratings = {
        r.assess_number: r
        for r in Rating.objects.filter(case=case, stage=stage).only("assess_number", "level")
    }
    if assess_number in ratings:
        raise AlreadyRated()
    if assess_number == 2 and (1 not in ratings or not is_bad(ratings[1].level)):
        raise _invalid(
            "assessNumber",
            _("A follow-up rating is only possible after a bad review of the same case and stage."),
        )


@transaction.atomic
def prompt_create(
    *, window: Window, case: Case, stage: str | None = None, source_client: Any = None
) -> Prompt:
    """Ask the window's tablet to have ``case`` rated; the tablet shows it within a poll."""
    stage = stage or default_stage(case)
    _check_rateable(case, stage)
    at = now()
    return Prompt.objects.create(
        window=window,
        case=case,
        stage=stage,
        created_at=at,
        expires_at=at + dt.timedelta(seconds=channel_setting("PROMPT_TTL_SECONDS")),
        source_client=source_client,
    )


@transaction.atomic
def tablet_rating_submit(
    *,
    device: Device,
    prompt_id: int,
    level: str,
    option_codes: list[str],
    text: str,
    idempotency_key: str,
    assessed_at: dt.datetime,
    language: str = "",
) -> SubmitResult:
    """Store the rating a citizen gave on the tablet (channel 4).

    Replays (the offline queue sending again) return the first rating: the idempotency key
    makes them harmless. A prompt of another window is "not found".
    """
    if device.revoked_at is not None or not device.token_hash:
        raise DeviceNotPaired()
    prompt = (
        Prompt.objects.select_for_update()
        .select_related("case")
        .filter(pk=prompt_id, window_id=device.window_id)
        .first()
    )
    if prompt is None:
        raise NotFound(_("This tablet has no such prompt."))
    if not idempotency_key:
        raise _invalid("idempotencyKey", _("The idempotency key is required."))
    result = rating_submit(
        case=prompt.case,
        stage=prompt.stage,
        level=level,
        channel=Channel.EVALUATOR,
        assessed_at=assessed_at,
        option_codes=option_codes,
        text=text,
        evaluator_type=prompt.case.applicant_type,
        language=language,
        device_id=f"tablet-{device.pk}",
        idempotency_key=idempotency_key,
    )
    if prompt.rated_at is None:
        prompt.rated_at = now()
        prompt.save(update_fields=["rated_at"])
    return result


# --- rating links ---------------------------------------------------------------------------------


@transaction.atomic
def rating_link_create(
    *,
    case: Case,
    stage: str | None = None,
    assess_number: int = 1,
    channel: str = Channel.QR_CODE,
    purpose: str = LinkPurpose.RECEIPT,
    days: int | None = None,
    return_url: str = "",
    acting_user: Any = None,
    source_client: Any = None,
) -> tuple[RatingLink, str]:
    """A single-use link to rate ``case`` at ``stage``; returns it and its token (shown once)."""
    stage = stage or default_stage(case)
    if assess_number not in (1, 2):
        raise _invalid("assessNumber", _("The assess number is 1 (first rating) or 2 (follow-up)."))
    days = channel_setting("LINK_DAYS") if days is None else days
    if not 1 <= int(days) <= 90:
        raise _invalid("expiresDays", _("A link is valid for 1 to 90 days."))
    if str(channel) not in Channel.values:
        raise _invalid("pf", _("Unknown channel code."))
    if return_url and (len(return_url) > 500 or not return_url_allowed(return_url)):
        raise _invalid("returnUrl", _("This return URL is not on the list of allowed sites."))
    _check_rateable(case, stage, assess_number)
    token = new_link_token()
    at = now()
    link = RatingLink.objects.create(
        token_hash=token_hash(token),
        case=case,
        stage=stage,
        assess_number=assess_number,
        channel=str(channel),
        purpose=purpose,
        return_url=return_url,
        created_at=at,
        expires_at=at + dt.timedelta(days=int(days)),
        created_by=acting_user,
        source_client=source_client,
    )
    return link, token


def rating_link_submit(
    *, token: str, level: str, option_codes: list[str], text: str = "", language: str = ""
) -> SubmitResult:
    """Rate through a link: once, before it expires. Raises LinkUsed, LinkExpired, NotFound,
    AlreadyRated (the case was rated through another channel meanwhile) or InvalidInput."""
    with transaction.atomic():
        link = (
            RatingLink.objects.select_for_update()
            .select_related("case")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if link is None:
            raise NotFound(_("This rating link is not valid."))
        state = link.state(now())
        if state == LinkState.USED:
            raise LinkUsed()
        if state == LinkState.EXPIRED:
            raise LinkExpired()
        result = rating_submit(
            case=link.case,
            stage=link.stage,
            assess_number=link.assess_number,
            level=level,
            channel=link.channel,
            assessed_at=now(),
            option_codes=option_codes,
            text=text,
            evaluator_type=link.case.applicant_type,
            language=language,
            idempotency_key=f"link-{link.pk}",
        )
        link.used_at = now()
        link.rating = result.rating
        link.save(update_fields=["used_at", "rating"])
    return result


# --- SMS invitations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    link: RatingLink
    token: str
    sms: Any  # notifications.SmsMessage


@transaction.atomic
def rating_invitation_send(
    *,
    case: Case,
    stage: str | None = None,
    assess_number: int = 1,
    mobile: str = "",
    language: str = "",
    acting_user: Any = None,
    source_client: Any = None,
    automatic: bool = False,
    request: Any = None,
) -> Invitation:
    """Make a link (channel 7, SMS) and queue the invitation SMS in the same transaction.

    Automatic invitations (an online case completed) go out once per case and stage.
    """
    from haochaping.notifications.services import sms_queue

    mobile = (mobile or case.applicant_mobile or "").strip()
    if not mobile:
        raise _invalid("mobile", _("The case has no applicant mobile number."))
    language = language or channel_setting("SMS_LANGUAGE")
    if language not in ("zh-hans", "bo"):
        raise _invalid(
            "language", _("SMS invitations are sent in Chinese (zh-hans) or Tibetan (bo).")
        )
    link, token = rating_link_create(
        case=case,
        stage=stage,
        assess_number=assess_number,
        channel=Channel.SMS,
        purpose=LinkPurpose.FOLLOW_UP if assess_number == 2 else LinkPurpose.SMS,
        acting_user=acting_user,
        source_client=source_client,
    )
    dedup = (
        f"rating-invite:{case.pk}:{link.stage}:{assess_number}"
        if automatic
        else f"rating-invite:link:{link.pk}"
    )
    sms = sms_queue(
        phone=mobile,
        message="callback.invite" if assess_number == 2 else "rating.invite",
        params={"project_no": case.project_no, "url": link_url(token, request)},
        language=language,
        dedup_key=dedup,
    )
    return Invitation(link=link, token=token, sms=sms)


def invitation_on_completion(case: Case) -> None:
    """Called when a case becomes completed: online cases get their rating link by SMS."""
    if not channel_setting("SMS_ON_ONLINE_COMPLETION"):
        return
    if not case.is_online or case.status != CaseStatus.COMPLETED or not case.applicant_mobile:
        return
    from haochaping.notifications.models import SmsMessage

    if SmsMessage.objects.filter(
        dedup_key=f"rating-invite:{case.pk}:{Stage.COMPLETION}:1"
    ).exists():
        return
    try:
        with transaction.atomic():
            rating_invitation_send(case=case, stage=Stage.COMPLETION, automatic=True)
    except (InvalidInput, AlreadyRated) as exc:
        # The case cannot be rated (e.g. it already was): nothing to invite to.
        logger.info("no rating invitation for case %s: %s", case.project_no, exc)


# --- staff-entered ratings (12345 / phone operator, paper forms) ---------------------------------


def staff_rating_record(
    *,
    kind: str,
    case: Case,
    level: str,
    operator: Any,
    stage: str | None = None,
    assess_number: int = 1,
    option_codes: list[str] | None = None,
    text: str = "",
    paper_ref: str = "",
    assessed_at: dt.datetime | None = None,
    note: str = "",
) -> StaffEntry:
    """Record a citizen's own answer keyed in by staff, marked as such.

    Phone (12345 hotline, callbacks): channel 6, ``is_staff_entered``; the operator is recorded.
    Paper forms from remote townships: channel 5 (on-site terminal), ``is_paper`` and
    ``is_staff_entered``, with the form's reference number (each form is keyed in once).
    """
    if kind not in EntryKind.values:
        raise _invalid("kind", _("Unknown entry kind."))
    paper_ref = (paper_ref or "").strip()
    errors: dict[str, list[str]] = {}
    if kind == EntryKind.PAPER and not paper_ref:
        errors["paper_ref"] = [str(_("Give the paper form's reference number."))]
    if len(paper_ref) > 40:
        errors["paper_ref"] = [str(_("The reference number is too long (at most 40 characters)."))]
    if kind == EntryKind.PHONE:
        paper_ref = ""
    if level not in Level.values:
        errors["level"] = [str(_("Choose a level."))]
    if errors:
        raise InvalidInput(extra={"errors": errors})
    if paper_ref:
        earlier = StaffEntry.objects.filter(paper_ref=paper_ref).select_related("rating").first()
        if earlier is not None:
            raise _invalid(
                "paper_ref",
                _("This paper form was already keyed in (receipt code %(receipt)s).")
                % {"receipt": earlier.rating.receipt},
            )
    at = now()
    try:
        with transaction.atomic():
            result = rating_submit(
                case=case,
                stage=stage or default_stage(case),
                assess_number=assess_number,
                level=level,
                channel=Channel.PHONE if kind == EntryKind.PHONE else Channel.KIOSK,
                assessed_at=assessed_at or at,
                option_codes=option_codes or [],
                text=text,
                is_paper=kind == EntryKind.PAPER,
                is_staff_entered=True,
                evaluator_type=case.applicant_type,
                acting_user=operator,
            )
            return StaffEntry.objects.create(
                rating=result.rating,
                kind=kind,
                operator=operator,
                paper_ref=paper_ref,
                note=(note or "")[:300],
                entered_at=at,
            )
    except IntegrityError:
        raise Conflict(
            _("This paper form was keyed in at the same moment by someone else.")
        ) from None
