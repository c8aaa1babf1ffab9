"""503 instead of 500 while the database cannot be reached (a PostgreSQL restart, a fail-over).

Django turns any uncaught exception, in a view or in a middleware (the session and user are
loaded there), into a call of the 500 handler while the exception is being handled; the
project's ``handler500`` is :func:`server_error`. When that exception is a connection-level
database error (:func:`is_unavailable`) it answers **503 with ``Retry-After``**: for ``/api/v1/``
the API's error shape ``{"code": "unavailable", "message", "extra": {"retry_after"}}``, for pages
a plain trilingual page that needs neither the database nor a template context. Any other error
gets Django's 500 page as before.

Connection-level means: ``InterfaceError`` (the connection is closed or unusable), a PostgreSQL
error without a SQLSTATE (the client could not connect, or the server closed the connection) or
with one of class 08 (connection exception) or 57P01–57P03 (admin / crash shutdown, cannot
connect now: the server is starting or stopping). On SQLite, "database is locked" (the busy
timeout ran out behind another writer) and "unable to open database file" are also retryable.
Every other ``OperationalError`` (deadlock, statement timeout, a missing table ...) stays a 500:
retrying would not help, or the request should not be repeated blindly.
"""

from __future__ import annotations

import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from haochaping.core.exceptions import ErrorCode

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
_PG_UNAVAILABLE = {"57P01", "57P02", "57P03"}  # admin_shutdown, crash_shutdown, cannot_connect_now
_SQLITE_RETRYABLE = ("database is locked", "unable to open database file")


def is_unavailable(exc: BaseException | None) -> bool:
    """Is ``exc`` a database error that says "not reachable right now, try again"?"""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return str(cause).startswith(_SQLITE_RETRYABLE)
    if type(cause).__module__.split(".")[0] == "psycopg":
        sqlstate = getattr(cause, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _PG_UNAVAILABLE
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        message = _("The database cannot be reached right now. Try again in a few seconds.")
        response: HttpResponse = JsonResponse(
            {
                "code": str(ErrorCode.UNAVAILABLE),
                "message": message,
                "extra": {"retry_after": RETRY_AFTER_SECONDS},
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The project's ``handler500``: 503 for an unreachable database, Django's 500 otherwise."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request)
