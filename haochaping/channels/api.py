"""Signed endpoints for the window business system: prompt the tablet, make rating links."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from haochaping.cases.models import Case
from haochaping.channels.enums import LinkPurpose
from haochaping.channels.models import Device
from haochaping.channels.qr import qr_png_base64, qr_svg
from haochaping.channels.receipt import receipt_snippet
from haochaping.channels.schemas import PromptIn, PromptOut, RatingLinkIn, RatingLinkOut
from haochaping.channels.services import (
    link_url,
    prompt_create,
    rating_invitation_send,
    rating_link_create,
)
from haochaping.core.exceptions import NotFound
from haochaping.integration.auth import hmac_auth
from haochaping.integration.models import IntegrationClient
from haochaping.integration.selectors import client_unit_q
from haochaping.org.models import Window
from haochaping.ratings.enums import Channel
from haochaping.ratings.schemas import ErrorOut
from haochaping.ratings.wire import format_wire_time

router = Router(tags=["channels"], auth=hmac_auth)

_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _client(request: HttpRequest) -> IntegrationClient:
    """The client HmacAuth authenticated (ninja puts it on ``request.auth``)."""
    return request.auth  # type: ignore[attr-defined]


def _case(request: HttpRequest, project_no: str) -> Case:
    case = (
        Case.objects.select_related("item", "unit")
        .filter(client_unit_q(_client(request), prefix="unit__"), project_no=project_no)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


@router.post("/windows/{window}/prompt", response={201: PromptOut, **_ERRORS})
def window_prompt(request: HttpRequest, window: int, payload: PromptIn):
    """Show the case on the window's tablet (within 2 s). ``window`` is the window's id.
    409 ``already_rated`` when the case was rated at this stage already."""
    win = Window.objects.filter(client_unit_q(_client(request), prefix="unit__"), pk=window).first()
    if win is None:
        raise NotFound()
    case = _case(request, payload.projectNo)
    prompt = prompt_create(
        window=win, case=case, stage=payload.stage, source_client=_client(request)
    )
    tablets = (
        Device.objects.filter(window=win, revoked_at__isnull=True).exclude(token_hash="").count()
    )
    return Status(
        201,
        {
            "promptId": prompt.pk,
            "window": win.pk,
            "projectNo": case.project_no,
            "stage": prompt.stage,
            "tablets": tablets,
            "expiresAt": format_wire_time(prompt.expires_at),
        },
    )


_PURPOSE = {
    Channel.QR_CODE.value: LinkPurpose.RECEIPT,
    Channel.PC.value: LinkPurpose.ONLINE,
    Channel.MOBILE.value: LinkPurpose.ONLINE,
    Channel.SMS.value: LinkPurpose.SMS,
}


@router.post("/cases/{projectNo}/rating-link", response={201: RatingLinkOut, **_ERRORS})
def case_rating_link(request: HttpRequest, projectNo: str, payload: RatingLinkIn):
    """A single-use, expiring rating link for the case and stage, with its QR code (SVG, PNG)
    and a printable receipt snippet; with ``sms`` the link also goes to the applicant by SMS."""
    case = _case(request, projectNo)
    sms_status = None
    if payload.sms:
        invitation = rating_invitation_send(
            case=case,
            stage=payload.stage,
            assess_number=payload.assessNumber,
            mobile=payload.mobile,
            language=payload.language,
            source_client=_client(request),
            request=request,
        )
        link, token, sms_status = invitation.link, invitation.token, invitation.sms.status
    else:
        pf = str(payload.pf)
        link, token = rating_link_create(
            case=case,
            stage=payload.stage,
            assess_number=payload.assessNumber,
            channel=pf,
            purpose=LinkPurpose.FOLLOW_UP
            if payload.assessNumber == 2
            else _PURPOSE.get(pf, LinkPurpose.ONLINE),
            days=payload.expiresDays,
            return_url=payload.returnUrl,
            source_client=_client(request),
        )
    url = link_url(token, request)
    return Status(
        201,
        {
            "url": url,
            "expiresAt": format_wire_time(link.expires_at),
            "projectNo": case.project_no,
            "stage": link.stage,
            "assessNumber": link.assess_number,
            "pf": int(link.channel),
            "qrSvg": qr_svg(url),
            "qrPng": qr_png_base64(url),
            "receiptHtml": receipt_snippet(link, url),
            "smsStatus": sms_status,
        },
    )
