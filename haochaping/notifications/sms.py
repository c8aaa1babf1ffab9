"""SMS gateways behind one interface: ``log`` (default), ``http`` (any generic gateway), ``file``.

Choose with ``HAOCHAPING_SMS["BACKEND"]`` (``log``, ``http``, ``file`` or a dotted class path).
A backend's :meth:`SmsBackend.send` gets an :class:`OutgoingSms` and returns the gateway's message
id (or ""); it raises :class:`SmsSendError` when the gateway refuses or cannot be reached.

The HTTP backend is configured, not coded, per gateway (``HAOCHAPING_SMS["HTTP"]``):

- ``URL``, ``METHOD`` (POST), ``FORMAT`` (``json`` or ``form``), ``HEADERS``, ``TIMEOUT``;
- ``BODY``: a dict whose string values are templates with ``{phone}``, ``{text}``,
  ``{message_id}``, ``{timestamp}`` (use ``{{`` for a literal brace);
- ``SIGNATURE``: ``SECRET``, ``HEADER`` (``X-Signature``), ``ALGORITHM`` (``sha256``),
  ``PAYLOAD`` (``{timestamp}.{body}``: what is signed, ``body`` being the exact bytes sent),
  ``TIMESTAMP_HEADER`` (``X-Timestamp``): the signature is the lowercase hex HMAC;
- ``RESPONSE_ID_FIELD``: a key of the JSON response holding the gateway's message id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingSms:
    message_id: int
    phone: str
    text: str
    phone_masked: str


class SmsSendError(Exception):
    pass


class SmsBackend:
    name = "base"

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def send(self, sms: OutgoingSms) -> str:
        raise NotImplementedError


class LogBackend(SmsBackend):
    """Writes the SMS to the application log (number masked). The default: nothing leaves."""

    name = "log"

    def send(self, sms: OutgoingSms) -> str:
        logger.info("SMS %s to %s: %s", sms.message_id, sms.phone_masked, sms.text)
        return f"log-{sms.message_id}"


class FileBackend(SmsBackend):
    """Appends one JSON line per SMS to ``FILE_PATH`` (for tests and demos)."""

    name = "file"

    def send(self, sms: OutgoingSms) -> str:
        path = Path(self.options.get("FILE_PATH") or Path(settings.DATA_DIR) / "sms-outbox.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(
                json.dumps(
                    {"id": sms.message_id, "phone": sms.phone, "text": sms.text}, ensure_ascii=False
                )
                + "\n"
            )
        return f"file-{sms.message_id}"


class HttpBackend(SmsBackend):
    """A generic HTTP gateway: body template and HMAC signature from settings."""

    name = "http"

    def _conf(self) -> dict[str, Any]:
        conf = dict(self.options.get("HTTP") or {})
        if not conf.get("URL"):
            raise SmsSendError("HAOCHAPING_SMS['HTTP']['URL'] is not set")
        return conf

    def build_request(
        self, sms: OutgoingSms, *, timestamp: int | None = None
    ) -> urllib.request.Request:
        conf = self._conf()
        timestamp = int(time.time()) if timestamp is None else timestamp
        values = {
            "phone": sms.phone,
            "text": sms.text,
            "message_id": str(sms.message_id),
            "timestamp": str(timestamp),
        }
        template = conf.get("BODY") or {"phone": "{phone}", "text": "{text}", "id": "{message_id}"}
        fields = {
            key: value.format(**values) if isinstance(value, str) else value
            for key, value in template.items()
        }
        if conf.get("FORMAT", "json") == "form":
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
            content_type = "application/json; charset=utf-8"
        headers = {"Content-Type": content_type, **(conf.get("HEADERS") or {})}
        signature = conf.get("SIGNATURE") or {}
        if signature.get("SECRET"):
            payload = signature.get("PAYLOAD", "{timestamp}.{body}").format(
                timestamp=timestamp, body=body.decode()
            )
            digest = hmac.new(
                signature["SECRET"].encode(),
                payload.encode(),
                getattr(hashlib, signature.get("ALGORITHM", "sha256")),
            ).hexdigest()
            headers[signature.get("HEADER", "X-Signature")] = digest
            headers[signature.get("TIMESTAMP_HEADER", "X-Timestamp")] = str(timestamp)
        return urllib.request.Request(  # noqa: S310 - send() allows http(s) only
            conf["URL"],
            data=body,
            headers=headers,
            method=conf.get("METHOD", "POST"),
        )

    def send(self, sms: OutgoingSms) -> str:
        conf = self._conf()
        if not conf["URL"].startswith(("http://", "https://")):
            raise SmsSendError("the SMS gateway URL must be http(s)")
        request = self.build_request(sms)
        try:
            with urllib.request.urlopen(request, timeout=float(conf.get("TIMEOUT", 10))) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise SmsSendError(f"gateway answered HTTP {exc.code}: {exc.read()[:200]!r}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SmsSendError(f"gateway unreachable: {exc}") from exc
        field = conf.get("RESPONSE_ID_FIELD")
        if field:
            try:
                return str(json.loads(raw)[field])[:100]
            except (ValueError, KeyError, TypeError) as exc:
                raise SmsSendError(f"gateway answer has no {field!r}: {raw[:200]!r}") from exc
        return ""


BACKENDS = {"log": LogBackend, "file": FileBackend, "http": HttpBackend}


def sms_settings() -> dict[str, Any]:
    return dict(getattr(settings, "HAOCHAPING_SMS", {}))


def get_backend() -> SmsBackend:
    options = sms_settings()
    name = options.get("BACKEND") or "log"
    cls = BACKENDS.get(name) or import_string(name)
    return cls(options)


def mask_phone(phone: str) -> str:
    """13800000001 -> 138****0001 (the log never shows a whole number)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def phone_digest(phone: str) -> str:
    """A keyed hash of the number: rate limits count per recipient without keeping the number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return hmac.new(settings.SECRET_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()
