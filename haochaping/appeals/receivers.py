"""Every rectification that opens delivers its notice to the rated staff member, in the
rectification's own transaction (a post_save on the ``rectification.opened`` timeline row)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save


def deliver_notice_on_open(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    from haochaping.rectification.events import OPENED

    if not created or raw or instance.type != OPENED:
        return
    from haochaping.appeals.services import notice_deliver

    notice_deliver(rectification=instance.rectification, delivered_at=instance.created_at)


def connect() -> None:
    from haochaping.rectification.models import RectificationEvent

    post_save.connect(
        deliver_notice_on_open,
        sender=RectificationEvent,
        dispatch_uid="appeals-notice-on-rectification-open",
    )
