"""Demo: notification preferences of the demo staff (instant SMS for handlers, digest for others).

Messages themselves come from the running system: the worker's deadline sweep reminds and
escalates within a minute of `make demo` starting. SMS go to the log backend (masked numbers).
"""

from __future__ import annotations

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.demo.context import DemoContext
from haochaping.notifications.enums import Delivery
from haochaping.notifications.services import preference_update

_INSTANT = {Role.HANDLER, Role.LIAISON}


def seed_notification_preferences(ctx: DemoContext) -> None:
    users = User.objects.filter(is_active=True).exclude(role=Role.WINDOW_STAFF).order_by("pk")
    for n, user in enumerate(users, start=1):
        preference_update(
            acting_user=user,
            delivery=Delivery.INSTANT if user.role in _INSTANT else Delivery.DIGEST,
            sms_enabled=True,
            mobile=f"1390891{n:04d}",
            language="bo" if n % 3 == 0 else "zh-hans",
        )
    ctx.log(f"notification preferences: {users.count()} staff (handlers and liaison: instant SMS)")
