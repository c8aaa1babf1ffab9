"""Demo step of the rating channels: two hall tablets with pairing codes, and a few rating links.

Prints where to open the tablet (the pairing page, code filled in) and rating pages a visitor
can try. Tokens and codes are random (secrets), so they differ between runs; nothing else
depends on them.
"""

from __future__ import annotations

from haochaping.accounts.models import User
from haochaping.cases.enums import CaseStatus
from haochaping.cases.models import Case
from haochaping.channels.services import device_create, link_url, rating_link_create
from haochaping.core.exceptions import ApplicationError
from haochaping.demo.context import DemoContext

TABLETS = 2
LINKS = 3


def seed_channels(ctx: DemoContext) -> None:
    admin = User.objects.filter(username="admin").first()
    windows = [w for w in ctx.windows if w.active][:TABLETS]
    ctx.log(f"channels: {len(windows)} hall tablets waiting to be paired, {LINKS} rating links")
    for window in windows:
        _device, code = device_create(
            window=window, name=f"{window.number} 评价器", acting_user=admin
        )
        ctx.log(
            f"  tablet for {window.hall.name} {window.number} (window id {window.pk}): "
            f"open http://127.0.0.1:8000/tablet/pair?code={code} and press Pair "
            f"(code valid 24 h; a new one from /channels/devices/)"
        )
    recent = (
        Case.objects.filter(status=CaseStatus.COMPLETED, ratings__isnull=True)
        .order_by("-completed_at")
        .values_list("pk", flat=True)[: LINKS * 4]
    )
    made = 0
    for case in Case.objects.filter(pk__in=list(recent)).order_by("-completed_at"):
        if made >= LINKS:
            break
        try:
            _link, token = rating_link_create(case=case, acting_user=admin)
        except ApplicationError:
            continue  # e.g. rated meanwhile
        made += 1
        ctx.log(f"  rating link for case {case.project_no}: {link_url(token)}")
