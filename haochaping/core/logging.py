"""Structured logs: one JSON object per line, with the request id and user of the request.

``HAOCHAPING_LOG_FORMAT=json`` (the default of ``haochaping.settings_production``) selects
:class:`JsonFormatter` for every log record of the application, and ``haochaping serve
--production`` gives gunicorn :class:`GunicornJsonLogger`, so its access and error logs are JSON
too. The request id comes from :mod:`haochaping.core.middleware` through context variables, so a
record logged anywhere while a request is being handled carries it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str] = ContextVar("haochaping_request_id", default="")
user_id_var: ContextVar[int | None] = ContextVar("haochaping_user_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is a field.
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}
# Extras that are objects, not values (django.request passes the request itself).
_SKIPPED_EXTRAS = frozenset({"request", "server_time"})


def _utc_iso(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, user_id, the record's
    extra fields (path, status, duration_ms ...) and, for an error, the exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            out["request_id"] = request_id
        user_id = getattr(record, "user_id", None) or user_id_var.get()
        if user_id is not None:
            out["user_id"] = user_id
        for key, value in vars(record).items():
            if key in _RECORD_ATTRS or key in _SKIPPED_EXTRAS or key in out:
                continue
            if key == "status_code":  # django.request's name for it
                key = "status"
            if value is None or isinstance(value, str | int | float | bool):
                out[key] = value
            else:
                out[key] = str(value)
        if record.exc_info:
            out["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, ensure_ascii=False, default=str)


try:  # gunicorn is a dependency, but this module must import without it (e.g. in tools)
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object  # type: ignore[assignment,misc]


class GunicornJsonLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with JSON lines: the error log through :class:`JsonFormatter`, and one
    access record per request with the fields an operator filters on. The query string is left
    out (rating links and receipt codes travel in it)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        formatter = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        headers = {k.lower(): v for k, v in (resp.headers or [])}
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        fields = {
            "request_id": headers.get("x-request-id", ""),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR", ""),
            "method": method,
            "path": path,
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        try:
            self.access_log.info("%s %s %s", method, path, status, extra=fields)
        except Exception:
            self.error(traceback.format_exc())
