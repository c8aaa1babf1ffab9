"""Reads of the privacy app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from haochaping.core.exceptions import PermissionDenied
from haochaping.privacy.models import RevealLog
from haochaping.privacy.policy import LOG_READERS


def reveal_log_list(
    user: Any,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    username: str = "",
    target: str = "",
) -> QuerySet[RevealLog]:
    """The reveal log, newest first, for the supervision office and administrators."""
    if not user.is_authenticated or not (user.is_superuser or user.role in LOG_READERS):
        raise PermissionDenied()
    qs = RevealLog.objects.select_related("user")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    if username:
        qs = qs.filter(user__username=username)
    if target:
        qs = qs.filter(target=target)
    return qs.order_by("-created_at", "-id")
