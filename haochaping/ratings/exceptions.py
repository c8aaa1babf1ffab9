from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.core.exceptions import ApplicationError, ErrorCode


class AlreadyRated(ApplicationError):
    code = ErrorCode.ALREADY_RATED
    status = 409
    default_message = _("This case has already been rated at this stage.")
