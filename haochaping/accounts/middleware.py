"""Session policy: idle and absolute expiry, and the second factor for the roles that need it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from haochaping.accounts.conf import accounts_setting
from haochaping.accounts.twofactor import requires_second_factor
from haochaping.core.clock import now

SESSION_STARTED = "accounts:started"
SESSION_SEEN = "accounts:seen"
# Writing the session on every request would cost a database write per page; a minute's
# precision is plenty for a 30-minute idle limit.
SEEN_RESOLUTION_SECONDS = 60


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refusal = self._check(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        stamp = now().timestamp()
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None or seen is None:
            # A session from before this policy (or force_login in a test): start counting now.
            session[SESSION_STARTED] = started = stamp
            session[SESSION_SEEN] = seen = stamp
        if stamp - started > accounts_setting("SESSION_ABSOLUTE_SECONDS"):
            return self._end(request, _("Your session has ended. Please log in again."))
        if stamp - seen > accounts_setting("SESSION_IDLE_SECONDS"):
            return self._end(
                request, _("Your session ended after a period of inactivity. Please log in again.")
            )
        if stamp - seen >= SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN] = stamp
        if (
            accounts_setting("ENFORCE_SECOND_FACTOR")
            and requires_second_factor(request.user)
            and not request.user.is_verified()  # type: ignore[union-attr]  # OTPMiddleware
        ):
            return self._end(request, _("This account needs a verification code to log in."))
        return None

    @staticmethod
    def _end(request: HttpRequest, message: str) -> HttpResponse:
        path = request.get_full_path()
        logout(request)
        messages.info(request, message)
        if request.path.startswith("/api/"):
            return HttpResponse(status=401)
        response = redirect("accounts:login")
        if request.method == "GET":
            response["Location"] += "?next=" + _quote(path)
        return response


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def session_mark_login(request: HttpRequest) -> None:
    """Start the session clocks at a login (called from the user_logged_in receiver)."""
    stamp = now().timestamp()
    request.session[SESSION_STARTED] = stamp
    request.session[SESSION_SEEN] = stamp
