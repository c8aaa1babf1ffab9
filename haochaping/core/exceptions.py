"""One error hierarchy for the whole product.

Services raise :class:`ApplicationError` subclasses; the API maps them once to
``{"code", "message", "extra"}`` with the error's HTTP status, and pages show ``message``.
Messages are translatable and never built with f-strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    ALREADY_RATED = "already_rated"
    AUTH_MISSING = "auth_missing"
    AUTH_BAD_SIGNATURE = "auth_bad_signature"
    AUTH_STALE_TIMESTAMP = "auth_stale_timestamp"
    AUTH_REPLAYED_NONCE = "auth_replayed_nonce"
    AUTH_REVOKED = "auth_revoked"
    UNAVAILABLE = "unavailable"  # 503: the database cannot be reached (core/unavailable.py)


class ApplicationError(Exception):
    code: ErrorCode = ErrorCode.INVALID_INPUT
    status: int = 400
    default_message: Any = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, extra: dict[str, Any] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.extra = extra or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": str(self.message), "extra": self.extra}


class InvalidInput(ApplicationError):
    """Bad input; ``extra["errors"]`` maps field names to lists of messages."""

    code = ErrorCode.INVALID_INPUT
    status = 422
    default_message = _("Some fields are invalid.")

    @classmethod
    def from_validation_error(cls, exc: Any) -> InvalidInput:
        """Build from a django.core.exceptions.ValidationError, keeping per-field messages."""
        if hasattr(exc, "message_dict"):
            errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            errors = {"__all__": [str(m) for m in exc.messages]}
        return cls(extra={"errors": errors})


class NotFound(ApplicationError):
    code = ErrorCode.NOT_FOUND
    status = 404
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    code = ErrorCode.PERMISSION_DENIED
    status = 403
    default_message = _("You are not allowed to do this.")


class Conflict(ApplicationError):
    code = ErrorCode.CONFLICT
    status = 409
    default_message = _("Someone else changed this item at the same time. Reload and try again.")


class InvalidTransition(ApplicationError):
    code = ErrorCode.INVALID_TRANSITION
    status = 409
    default_message = _("This action is not allowed in the item's current state.")
