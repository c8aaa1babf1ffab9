"""Abuse protection of the public comment form: CSRF (Django's middleware), a honeypot field,
a signed time stamp (not sent too fast, not too old), and a per-address rate limit (services)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput
from haochaping.coverage.conf import coverage_setting

SALT = "coverage.comment-form"
HONEYPOT = "website"  # hidden from people (CSS + aria-hidden); bots fill it in


def form_stamp() -> str:
    return signing.dumps(now().timestamp(), salt=SALT)


def form_check(*, stamp: str, honeypot: str) -> None:
    """Raise InvalidInput (``__all__``) when the form looks automated or is stale."""
    if honeypot:
        raise InvalidInput(
            extra={"errors": {"__all__": [str(_("Your message could not be accepted."))]}}
        )
    try:
        shown = float(signing.loads(stamp, salt=SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise InvalidInput(
            extra={"errors": {"__all__": [str(_("The form has expired. Please send it again."))]}}
        ) from None
    age = now().timestamp() - shown
    if age < coverage_setting("FORM_MIN_SECONDS"):
        raise InvalidInput(
            extra={
                "errors": {
                    "__all__": [
                        str(_("The form was sent too quickly. Please check it and send it again."))
                    ]
                }
            }
        )
    if age > coverage_setting("FORM_MAX_SECONDS"):
        raise InvalidInput(
            extra={"errors": {"__all__": [str(_("The form has expired. Please send it again."))]}}
        )


def client_hash(request) -> str:
    """A keyed hash of the client address (no address is stored)."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return hmac.new(
        settings.SECRET_KEY.encode(), f"comment:{address}".encode(), hashlib.sha256
    ).hexdigest()
