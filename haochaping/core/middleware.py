"""The outermost middleware: a request id, one log line and the request metrics per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from haochaping.core import metrics
from haochaping.core.logging import request_id_var, user_id_var

logger = logging.getLogger("haochaping.request")

# A request id from the proxy (nginx's $request_id) or a client is kept when it is short and
# plain; anything else is replaced, so a log line cannot be forged through the header.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
HEADER = "X-Request-ID"


def _request_id(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


class RequestMiddleware:
    """Honours or assigns ``X-Request-ID`` (returned on the response and put on every log record
    of the request), records the request in the Prometheus metrics by view and status, and logs
    one ``haochaping.request`` line with path, status, duration and user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = _request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            duration = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            view = match.view_name if match is not None else "<unmatched>"
            metrics.request_observe(
                view=view,
                method=request.method or "",
                status=response.status_code,
                seconds=duration,
            )
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # Runs after the authentication middleware: from here on, records name the user.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(user.pk)
        return None
