from __future__ import annotations

from django.db.models import QuerySet

from haochaping.accounts.models import User
from haochaping.notifications.models import Notification, SmsMessage


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def sms_log(*, status: str = "") -> QuerySet[SmsMessage]:
    qs = SmsMessage.objects.defer("phone").select_related("user")
    if status:
        qs = qs.filter(status=status)
    return qs
