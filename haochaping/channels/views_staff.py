"""Staff pages under /channels/: tablets (pairing, revoking), receipt QR and SMS invitations,
the 12345 / phone operator form, paper-form entry and the list of staff-entered ratings."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haochaping.accounts.access import access_case, require_role
from haochaping.accounts.enums import Role
from haochaping.channels.enums import EntryKind, LinkPurpose
from haochaping.channels.forms import CaseLinkForm, DeviceForm, PaperRatingForm, StaffRatingForm
from haochaping.channels.qr import qr_png_base64
from haochaping.channels.receipt import receipt_snippet
from haochaping.channels.selectors import device_list_for, staff_entry_list_for, window_list_for
from haochaping.channels.services import (
    device_create,
    device_pairing_renew,
    device_revoke,
    link_url,
    rating_invitation_send,
    rating_link_create,
    staff_rating_record,
)
from haochaping.core.clock import LOCAL_TZ, now
from haochaping.core.exceptions import ApplicationError, NotFound, PermissionDenied

DEVICE_ROLES = (Role.ADMIN, Role.LIAISON)
PHONE_ROLES = (Role.ADMIN, Role.LIAISON)
PAPER_ROLES = (Role.ADMIN, Role.LIAISON, Role.WINDOW_STAFF)
LINK_ROLES = (Role.ADMIN, Role.LIAISON, Role.WINDOW_STAFF, Role.HANDLER)
LIST_ROLES = (Role.ADMIN, Role.LIAISON, Role.SUPERVISOR, Role.HANDLER, Role.LEADER)


def staff_page(*roles: Role):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            try:
                require_role(cast(Any, request.user), *roles)
            except PermissionDenied:
                raise DjangoPermissionDenied(_("Your role may not use this page.")) from None
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return wrapped

    return decorator


def _form_errors(form, exc: ApplicationError, mapping: dict[str, str] | None = None) -> None:
    errors = exc.extra.get("errors") or {"__all__": [str(exc.message)]}
    for field, msgs in errors.items():
        target = (mapping or {}).get(field, field)
        for msg in msgs:
            form.add_error(target if target in form.fields else None, msg)


@staff_page(*set(LINK_ROLES) | set(LIST_ROLES))
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "channels/staff_index.html", {})


@staff_page(*DEVICE_ROLES)
@require_http_methods(["GET", "POST"])
def devices(request: HttpRequest) -> HttpResponse:
    windows = window_list_for(request.user)
    form = DeviceForm(request.POST or None, windows=windows)
    pairing = None
    if request.method == "POST" and form.is_valid():
        try:
            device, code = device_create(
                window=form.cleaned_data["window"],
                name=form.cleaned_data["name"],
                acting_user=request.user,
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            pairing = {"device": device, "code": code}
            form = DeviceForm(windows=windows)
    context = {"form": form, "devices": device_list_for(request.user), "pairing": pairing}
    return render(request, "channels/staff_devices.html", context)


def _device_for(request: HttpRequest, device_id: int):
    device = device_list_for(request.user).filter(pk=device_id).first()
    if device is None:
        raise NotFound()
    return device


@staff_page(*DEVICE_ROLES)
@require_POST
def device_revoke_view(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_revoke(device=_device_for(request, device_id), acting_user=request.user)
    messages.success(
        request,
        _("Tablet %(name)s revoked: it can no longer receive cases.") % {"name": device.name},
    )
    return redirect("channels:devices")


@staff_page(*DEVICE_ROLES)
@require_POST
def device_renew_view(request: HttpRequest, device_id: int) -> HttpResponse:
    device = _device_for(request, device_id)  # out of scope: 404, like device_revoke
    try:
        device, code = device_pairing_renew(device=device, acting_user=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.extra.get("errors", {}).get("device", [exc.message])[0]))
        return redirect("channels:devices")
    windows = window_list_for(request.user)
    context = {
        "form": DeviceForm(windows=windows),
        "devices": device_list_for(request.user),
        "pairing": {"device": device, "code": code},
    }
    return render(request, "channels/staff_devices.html", context)


@staff_page(*LINK_ROLES)
@require_http_methods(["GET", "POST"])
def case_links(request: HttpRequest) -> HttpResponse:
    """Print the receipt QR for a case, or send the rating (or follow-up) link by SMS."""
    form = CaseLinkForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "receipt")
        try:
            case = access_case(cast(Any, request.user), form.cleaned_data["project_no"].strip())
            stage = form.cleaned_data["stage"] or None
            if action in ("sms", "follow_up"):
                invitation = rating_invitation_send(
                    case=case,
                    stage=stage,
                    assess_number=2 if action == "follow_up" else 1,
                    language=form.cleaned_data["language"] or "",
                    acting_user=request.user,
                    request=request,
                )
                messages.success(
                    request,
                    _("The rating link was sent by SMS to %(phone)s.")
                    % {"phone": invitation.sms.phone_masked},
                )
                return redirect("channels:case_links")
            link, token = rating_link_create(
                case=case, stage=stage, purpose=LinkPurpose.RECEIPT, acting_user=request.user
            )
            url = link_url(token, request)
            result = {
                "link": link,
                "url": url,
                "snippet": receipt_snippet(link, url),
                "png": qr_png_base64(url),
            }
        except NotFound:
            form.add_error("project_no", _("No case with this number in your scope."))
        except ApplicationError as exc:
            _form_errors(form, exc, {"assessNumber": "stage", "mobile": "project_no"})
    return render(request, "channels/staff_case_links.html", {"form": form, "result": result})


def _record(request: HttpRequest, kind: str, form_class, template: str) -> HttpResponse:
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = access_case(cast(Any, request.user), data["project_no"].strip())
            assessed_at = None
            if kind == EntryKind.PAPER:
                # The form carries a date only: take the end of that day (at most now), so a form
                # filled on the day the case was completed is not "before completion".
                end_of_day = dt.datetime.combine(
                    data["assessed_on"], dt.time(23, 59), tzinfo=LOCAL_TZ
                )
                assessed_at = min(end_of_day, now())
            entry = staff_rating_record(
                kind=kind,
                case=case,
                stage=data["stage"] or None,
                level=data["level"],
                option_codes=data["options"],
                text=data["text"],
                paper_ref=data.get("paper_ref", ""),
                assessed_at=assessed_at,
                note=data["note"],
                operator=request.user,
            )
        except NotFound:
            form.add_error("project_no", _("No case with this number in your scope."))
        except ApplicationError as exc:
            _form_errors(
                form,
                exc,
                {
                    "option_codes": "options",
                    "assessed_at": "assessed_on" if kind == EntryKind.PAPER else "project_no",
                    "stage": "stage",
                    "assess_number": "stage",
                },
            )
        else:
            messages.success(
                request,
                _("Rating recorded (%(kind)s), receipt code %(receipt)s.")
                % {"kind": entry.get_kind_display(), "receipt": entry.rating.receipt},
            )
            return redirect("channels:entries")
    return render(request, template, {"form": form, "kind": kind})


@staff_page(*PHONE_ROLES)
@require_http_methods(["GET", "POST"])
def phone_entry(request: HttpRequest) -> HttpResponse:
    return _record(request, EntryKind.PHONE, StaffRatingForm, "channels/staff_entry_form.html")


@staff_page(*PAPER_ROLES)
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest) -> HttpResponse:
    return _record(request, EntryKind.PAPER, PaperRatingForm, "channels/staff_entry_form.html")


@staff_page(*LIST_ROLES, *PAPER_ROLES)
def entries(request: HttpRequest) -> HttpResponse:
    rows = staff_entry_list_for(request.user)[:200]
    return render(request, "channels/staff_entries.html", {"entries": rows})
