"""Inbox alerts to administrators: dead letters and reconciliation differences."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from haochaping.notifications.messages import Message, register_message

DEAD_LETTER = "dataout.dead_letter"
RECONCILE_DIFFERENT = "dataout.reconcile_different"


def register() -> None:
    register_message(
        Message(
            key=DEAD_LETTER,
            subject=_("Regional platform push failed: %(record)s"),
            body=_(
                "The record %(record)s (case %(case)s) could not be delivered to the regional "
                "platform after %(attempts)s attempts: %(error)s. Later records of the same case "
                "wait until it is retried."
            ),
        )
    )
    register_message(
        Message(
            key=RECONCILE_DIFFERENT,
            subject=_("Regional platform reconciliation: differences on %(day)s"),
            body=_(
                "%(topic)s on %(day)s: %(local)s records here, %(platform)s at the platform; "
                "%(missing)s missing at the platform, %(unknown)s unknown here, %(changed)s with "
                "different content."
            ),
        )
    )


def admins() -> list[Any]:
    from haochaping.accounts.enums import Role
    from haochaping.accounts.models import User

    return list(User.objects.filter(role=Role.ADMIN, is_active=True))


def alert(*, message: str, params: dict[str, Any], dedup_key: str) -> None:
    from django.urls import reverse

    from haochaping.notifications.services import notify

    recipients = admins()
    if recipients:
        notify(
            recipients=recipients,
            message=message,
            params=params,
            url=reverse("dataout:dashboard"),
            sms=False,
            dedup_key=dedup_key,
        )
