"""Reads of the channels app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from haochaping.accounts.access import unit_scope_q
from haochaping.channels.models import Device, Prompt, RatingLink, StaffEntry
from haochaping.channels.tokens import token_hash
from haochaping.core.clock import now
from haochaping.org.models import Staff, Window


def device_from_token(token: str) -> Device | None:
    """The paired, not revoked device holding ``token``."""
    if not token:
        return None
    return (
        Device.objects.select_related("window__hall", "window__unit")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .exclude(token_hash="")
        .first()
    )


def prompt_next(*, window_id: int, after: int = 0) -> Prompt | None:
    """The newest prompt of the window after ``after`` that is neither rated nor expired."""
    return (
        Prompt.objects.select_related("case__item", "case__unit", "case__staff")
        .filter(window_id=window_id, pk__gt=after, rated_at__isnull=True, expires_at__gt=now())
        .order_by("-pk")
        .first()
    )


def window_staff(window: Window) -> QuerySet[Staff]:
    return Staff.objects.filter(window=window, active=True).order_by("staff_no")


def window_list_for(user: Any) -> QuerySet[Window]:
    return (
        Window.objects.filter(unit_scope_q(user, prefix="unit__"), active=True)
        .select_related("hall", "unit")
        .order_by("hall__name", "number")
    )


def device_list_for(user: Any) -> QuerySet[Device]:
    return (
        Device.objects.filter(unit_scope_q(user, prefix="window__unit__"))
        .select_related("window__hall", "window__unit")
        .order_by("window__hall__name", "window__number", "id")
    )


def link_get(token: str) -> RatingLink | None:
    return (
        RatingLink.objects.select_related("case__item", "case__unit", "rating")
        .filter(token_hash=token_hash(token))
        .first()
    )


def staff_entry_for_rating(rating_id: int) -> StaffEntry | None:
    return StaffEntry.objects.select_related("operator").filter(rating_id=rating_id).first()


def staff_entry_list_for(user: Any) -> QuerySet[StaffEntry]:
    return (
        StaffEntry.objects.filter(unit_scope_q(user, prefix="rating__unit__"))
        .select_related("rating__case", "rating__unit", "operator")
        .order_by("-entered_at", "-id")
    )
