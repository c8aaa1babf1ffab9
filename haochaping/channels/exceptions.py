from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.core.exceptions import ApplicationError, ErrorCode


class LinkUsed(ApplicationError):
    """The rating link was used already (it is single-use)."""

    code = ErrorCode.CONFLICT
    status = 410
    default_message = _("This rating link has already been used.")


class LinkExpired(ApplicationError):
    code = ErrorCode.CONFLICT
    status = 410
    default_message = _("This rating link has expired.")


class DeviceNotPaired(ApplicationError):
    """No valid device token: never paired, or revoked."""

    code = ErrorCode.PERMISSION_DENIED
    status = 401
    default_message = _("This tablet is not paired with a window, or its pairing was revoked.")
