"""Login in two steps for the second-factor roles: password, then a TOTP code.

The password step only remembers, in the (anonymous) session, who passed it and when; the
authenticated session is created by :func:`_complete` after the code is verified. A user of
such a role without a device enrols one on the way (secret as text and a QR code).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from haochaping.accounts.conf import accounts_setting
from haochaping.accounts.forms import TokenForm
from haochaping.accounts.models import User
from haochaping.accounts.services import totp_device_confirm, totp_device_for_enrolment
from haochaping.accounts.twofactor import (
    confirmed_device,
    enrolment_qr_svg,
    requires_second_factor,
    secret_base32,
)
from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput

PENDING = "accounts:pending"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if not requires_second_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": now().timestamp(),
            "next": self.get_success_url(),
        }
        if confirmed_device(user) is None:
            return redirect("accounts:enrol")
        return redirect("accounts:verify")


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if now().timestamp() - pending["at"] > accounts_setting("PENDING_LOGIN_SECONDS"):
        del request.session[PENDING]
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _restart(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Please log in again."))
    return redirect("accounts:login")


def _complete(request: HttpRequest, user: User, device: Any) -> HttpResponse:
    pending = request.session.pop(PENDING)
    auth_login(request, user, backend=pending["backend"])
    otp_login(request, device)
    return redirect(pending["next"])


def verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return _restart(request)
    device = confirmed_device(user)
    if device is None:
        return redirect("accounts:enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _detail = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            return _complete(request, user, device)
        if allowed:
            form.add_error("token", _("The code is not valid."))
        else:
            form.add_error(
                "token", _("Too many wrong codes. Wait a minute, then enter the current code.")
            )
    return render(request, "accounts/verify.html", {"form": form, "pending_user": user})


def enrol(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return _restart(request)
    if confirmed_device(user) is not None:
        return redirect("accounts:verify")
    device = totp_device_for_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_device_confirm(device=device, token=form.cleaned_data["token"])
        except InvalidInput as exc:
            for message in exc.extra["errors"]["token"]:
                form.add_error("token", message)
        else:
            return _complete(request, user, device)
    context = {
        "form": form,
        "pending_user": user,
        "secret": secret_base32(device),
        "qr_svg": enrolment_qr_svg(device),
    }
    return render(request, "accounts/enrol.html", context)
