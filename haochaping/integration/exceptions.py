"""401 answers of the signed API, one code each."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.core.exceptions import ApplicationError, ErrorCode


class AuthError(ApplicationError):
    status = 401


class AuthMissing(AuthError):
    code = ErrorCode.AUTH_MISSING
    default_message = _(
        "This request is not signed: the X-HCP-App, X-HCP-Timestamp, X-HCP-Nonce and X-HCP-Signature headers are required."
    )


class AuthBadSignature(AuthError):
    code = ErrorCode.AUTH_BAD_SIGNATURE
    default_message = _("The signature does not match the request, or the app id is unknown.")


class AuthStaleTimestamp(AuthError):
    code = ErrorCode.AUTH_STALE_TIMESTAMP
    default_message = _("The request timestamp is more than 300 seconds away from the server time.")


class AuthReplayedNonce(AuthError):
    code = ErrorCode.AUTH_REPLAYED_NONCE
    default_message = _("This nonce has already been used.")


class AuthRevoked(AuthError):
    code = ErrorCode.AUTH_REVOKED
    default_message = _("This integration client has been revoked.")


class MalformedBody(ApplicationError):
    """The body is not parseable JSON (HTTP 400; field errors are 422)."""

    status = 400
    default_message = _("The request body is not valid JSON.")
