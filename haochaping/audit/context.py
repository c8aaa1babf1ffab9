"""Who is writing, and from where: a context variable set per request, API call or command.

- Web pages: :class:`AuditContextMiddleware` keeps the request; the actor is read lazily when a
  write happens (the signed API's integration client is on ``request.auth`` only after ninja
  authenticated it, and a page that writes nothing never touches the session).
- Management commands and workers: ``system:<command>`` from the command line, or an explicit
  :func:`audit_actor` block.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty


@dataclass(frozen=True)
class Source:
    actor: str
    address: str


_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_explicit: ContextVar[Source | None] = ContextVar("audit_source", default=None)


class AuditContextMiddleware:
    """Remember the request for the audit trail (one context-variable set per request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def audit_actor(actor: str, address: str = "") -> Iterator[None]:
    """Attribute the writes inside the block to ``actor`` (e.g. ``system:audit-seal``)."""
    token = _explicit.set(Source(actor=actor, address=address))
    try:
        yield
    finally:
        _explicit.reset(token)


def request_actor(request: HttpRequest) -> str:
    client = getattr(request, "auth", None)
    if client is not None and hasattr(client, "app_id"):
        return f"client:{client.app_id}"
    user: Any = request.__dict__.get("user")
    if user is None:
        return "anonymous"
    # A user not loaded yet and no session cookie: anonymous, without touching the session
    # (citizens' pages stay session-free).
    if getattr(user, "_wrapped", None) is empty and settings.SESSION_COOKIE_NAME not in (
        request.COOKIES
    ):
        return "anonymous"
    if user.is_authenticated:
        return f"user:{user.pk}:{user.get_username()}"
    return "anonymous"


@cache
def process_actor() -> str:
    """``system:<command>`` for ``haochaping <command>`` / ``manage.py <command>``."""
    argv = sys.argv
    program = argv[0].rsplit("/", 1)[-1] if argv else ""
    if program in {"haochaping", "manage.py", "django-admin", "__main__.py"} and len(argv) > 1:
        return f"system:{argv[1].replace('_', '-')}"
    return f"system:{program or 'python'}"


def current_source() -> Source:
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    request = _request.get()
    if request is not None:
        return Source(actor=request_actor(request), address=request.META.get("REMOTE_ADDR", ""))
    return Source(actor=process_actor(), address="")
