"""Every rectification that opens delivers its notice to the rated staff member, in the
rectification's own transaction (a post_save on the ``rectification.opened`` timeline row; for
the bulk opening's batch, one ``core.bulk.post_bulk_create``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from haochaping.core import bulk

UID = "appeals-notice-on-rectification-open"


def deliver_notice_on_open(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    from haochaping.rectification.events import OPENED

    if not created or raw or instance.type != OPENED or bulk.is_done(instance, UID):
        return
    from haochaping.appeals.services import notice_deliver

    notice_deliver(rectification=instance.rectification, delivered_at=instance.created_at)


def deliver_notices_on_bulk_open(sender: Any, instances: Any, **kwargs: Any) -> None:
    """The same for a batch of timeline rows (the bulk opening): the notices in bulk."""
    from haochaping.rectification.events import OPENED

    opened = [ev for ev in instances if ev.type == OPENED]
    if not opened:
        return
    from haochaping.appeals.services import notices_deliver_many

    notices_deliver_many(
        rectifications=[ev.rectification for ev in opened],
        delivered_at=[ev.created_at for ev in opened],
    )
    bulk.mark_done(opened, UID)


def connect() -> None:
    from haochaping.rectification.models import RectificationEvent

    post_save.connect(deliver_notice_on_open, sender=RectificationEvent, dispatch_uid=UID)
    bulk.post_bulk_create.connect(
        deliver_notices_on_bulk_open, sender=RectificationEvent, dispatch_uid=f"{UID}-bulk"
    )
