"""The hall tablet evaluator under /tablet/: pairing, the full-screen page, long poll, submit.

The tablet authenticates with its device token in an HttpOnly cookie (path /tablet/); its
JSON posts also carry the CSRF token. A long poll waits up to POLL_SECONDS in a gunicorn
thread (gthread workers), looking for a new prompt every POLL_INTERVAL_SECONDS, so a prompt
from the window's business system shows within about a second.
"""

from __future__ import annotations

import datetime as dt
import json
import time

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haochaping.channels.conf import channel_setting
from haochaping.channels.content import level_choices
from haochaping.channels.enums import LinkPurpose
from haochaping.channels.models import Device, Prompt
from haochaping.channels.qr import qr_svg
from haochaping.channels.selectors import device_from_token, prompt_next, window_staff
from haochaping.channels.services import (
    device_pair,
    device_seen,
    link_url,
    public_base_url,
    rating_link_create,
    tablet_rating_submit,
)
from haochaping.core.clock import now
from haochaping.core.exceptions import ApplicationError, InvalidInput

COOKIE = "hcp_device"
COOKIE_PATH = "/tablet/"


def _device(request: HttpRequest) -> Device | None:
    device = device_from_token(request.COOKIES.get(COOKIE, ""))
    if device is not None:
        device_seen(device=device)
    return device


def _unpaired() -> JsonResponse:
    return JsonResponse(
        {
            "code": "device_not_paired",
            "message": _("This tablet is not paired with a window, or its pairing was revoked."),
        },
        status=401,
    )


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


@never_cache
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            _device_obj, token = device_pair(code=request.POST.get("code", ""))
        except InvalidInput as exc:
            error = exc.extra["errors"]["code"][0]
        else:
            response = HttpResponseRedirect(reverse("channels:tablet"))
            response.set_cookie(
                COOKIE,
                token,
                max_age=5 * 365 * 24 * 3600,
                path=COOKIE_PATH,
                httponly=True,
                samesite="Strict",
                secure=request.is_secure(),
            )
            return response
    # ?code= fills the field (a link printed for the person setting the tablet up); pairing
    # itself is always a POST.
    code = request.POST.get("code") or request.GET.get("code", "")
    context = {"error": error, "code": code[:16]}
    return render(request, "channels/tablet_pair.html", context, status=422 if error else 200)


def _both(text) -> dict[str, str]:
    out = {}
    for lang in ("bo", "zh-hans"):
        with translation.override(lang):
            out[lang] = str(text)
    return out


_TABLET_MSGIDS = {
    "idle_title": gettext_lazy("Please rate our service"),
    "idle_staff": gettext_lazy("Serving you at this window"),
    "idle_qr": gettext_lazy("Rate later: scan the QR code on your receipt, or this one"),
    "later_qr": gettext_lazy("Scan this code to rate your case later"),
    "choose": gettext_lazy("How satisfied are you?"),
    "reasons": gettext_lazy("Why? (you may choose several)"),
    "text": gettext_lazy("Anything else? (optional)"),
    "submit": gettext_lazy("Submit"),
    "back": gettext_lazy("Back"),
    "thanks": gettext_lazy("Thank you for your rating"),
    "receipt": gettext_lazy("Receipt code"),
    "queued": gettext_lazy("Saved on this tablet; it will be sent when the network returns."),
    "offline": gettext_lazy("Offline: ratings are kept on this tablet"),
    "need_reason": gettext_lazy("Please choose a reason or write a few words."),
    "case": gettext_lazy("Case"),
}


def tablet_texts() -> dict[str, dict[str, str]]:
    """Every text of the tablet in Tibetan and Chinese (the hall is bilingual: both are shown)."""
    return {key: _both(value) for key, value in _TABLET_MSGIDS.items()}


@never_cache
@require_GET
def tablet(request: HttpRequest) -> HttpResponse:
    device = _device(request)
    if device is None:
        return HttpResponseRedirect(reverse("channels:tablet_pair"))
    window = device.window
    staff = [{"name": s.name, "no": s.staff_no} for s in window_staff(window)]
    start_url = public_base_url(request) + reverse("channels:start")
    levels = [
        {
            "value": lv.value,
            "hcp": lv.hcp,
            "bad": lv.is_bad,
            "label": {"zh-hans": lv.label_zh, "bo": lv.label_bo},
            "options": [
                {"code": o.code, "label": {"zh-hans": o.label_zh, "bo": o.label_bo}}
                for o in lv.options
            ],
        }
        for lv in level_choices(_current_version())
    ]
    config = {
        "device": device.pk,
        "window": window.pk,
        "pollUrl": reverse("channels:tablet_poll"),
        "submitUrl": reverse("channels:tablet_rate"),
        "laterUrl": reverse("channels:tablet_later", args=[0]),
        "swUrl": reverse("channels:tablet_sw"),
        "thanksSeconds": channel_setting("THANKS_SECONDS"),
        "abandonSeconds": channel_setting("ABANDON_SECONDS"),
        "textMax": 150,
        "levels": levels,
        "texts": tablet_texts(),
    }
    context = {
        "device": device,
        "window": window,
        "staff": staff,
        "idle_qr": qr_svg(start_url, scale=5, title="QR"),
        "config": config,
    }
    return render(request, "channels/tablet.html", context)


def _current_version():
    from haochaping.ratings.selectors import content_version_current

    return content_version_current()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The tablet's service worker, served under /tablet/ so its scope covers the tablet page."""
    from django.templatetags.static import static

    context = {
        "version": SW_VERSION,
        "page": reverse("channels:tablet"),
        "script": static("channels/tablet.js"),
        "style": static("channels/tablet.css"),
    }
    response = render(request, "channels/tablet_sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("channels:tablet")
    return response


SW_VERSION = "1"


def _prompt_json(prompt: Prompt) -> dict:
    case = prompt.case
    return {
        "id": prompt.pk,
        "projectNo": case.project_no,
        "taskName": case.item.name,
        "unitName": case.unit.name,
        "unitNameBo": case.unit.name_bo,
        "staff": case.staff.name if case.staff is not None else "",
        "stage": prompt.stage,
    }


@never_cache
@require_GET
def poll(request: HttpRequest) -> HttpResponse:
    """Long poll: 200 with the newest unrated prompt after ``after``, or 204 after the wait."""
    device = _device(request)
    if device is None:
        return _unpaired()
    try:
        after = int(request.GET.get("after", "0"))
        wait = float(request.GET.get("wait", channel_setting("POLL_SECONDS")))
    except ValueError:
        after, wait = 0, channel_setting("POLL_SECONDS")
    wait = max(0.0, min(wait, float(channel_setting("POLL_SECONDS"))))
    interval = float(channel_setting("POLL_INTERVAL_SECONDS"))
    deadline = time.monotonic() + wait
    while True:
        prompt = prompt_next(window_id=device.window_id, after=after)
        if prompt is not None:
            return JsonResponse({"prompt": _prompt_json(prompt)})
        if time.monotonic() >= deadline:
            return HttpResponse(status=204)
        time.sleep(interval)


@never_cache
@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """Store a tablet rating. Body: promptId, level, options, text, idempotencyKey, assessedAt.
    201 created, 200 replay of the same idempotency key, 409 already rated, 422 invalid."""
    device = _device(request)
    if device is None:
        return _unpaired()
    try:
        body = json.loads(request.body or b"{}")
        prompt_id = int(body.get("promptId"))
    except (ValueError, TypeError):
        return _error(InvalidInput(extra={"errors": {"promptId": [_("Give the prompt id.")]}}))
    assessed_at = parse_datetime(str(body.get("assessedAt") or "")) or now()
    if assessed_at.tzinfo is None:
        assessed_at = assessed_at.replace(tzinfo=dt.UTC)
    try:
        result = tablet_rating_submit(
            device=device,
            prompt_id=prompt_id,
            level=str(body.get("level", "")),
            option_codes=[str(c) for c in body.get("options") or []],
            text=str(body.get("text") or "")[:1000],
            idempotency_key=str(body.get("idempotencyKey") or "")[:64],
            assessed_at=assessed_at,
            language=str(body.get("language") or "")[:10],
        )
    except ApplicationError as exc:
        return _error(exc)
    return JsonResponse(
        {"receipt": result.rating.receipt, "created": result.created},
        status=201 if result.created else 200,
    )


@never_cache
@require_POST
def later(request: HttpRequest, prompt_id: int) -> HttpResponse:
    """The citizen walked away: a single-use QR link to rate the prompted case later."""
    device = _device(request)
    if device is None:
        return _unpaired()
    prompt = (
        Prompt.objects.select_related("case")
        .filter(pk=prompt_id, window_id=device.window_id)
        .first()
    )
    if prompt is None:
        return _error(
            InvalidInput(extra={"errors": {"promptId": [_("This tablet has no such prompt.")]}})
        )
    try:
        link, token = rating_link_create(
            case=prompt.case, stage=prompt.stage, purpose=LinkPurpose.TABLET_LATER
        )
    except ApplicationError as exc:
        return _error(exc)
    url = link_url(token, request)
    return JsonResponse(
        {
            "url": url,
            "qrSvg": qr_svg(url, scale=5, title="QR"),
            "expiresAt": link.expires_at.isoformat(),
        },
        status=201,
    )
