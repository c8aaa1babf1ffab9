"""The in-app inbox, each user's delivery preference, and the SMS log (which is also the outbox)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.core.fields import EncryptedCharField
from haochaping.core.identifiers import validate_mobile
from haochaping.notifications.enums import Delivery, SmsStatus


class Notification(models.Model):
    """One message in a staff member's inbox. Rendered in the reader's language when shown."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    message = models.CharField(_("message template"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    digested_at = models.DateTimeField(_("included in a digest at"), null=True, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="notification_dedup_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    delivery = models.CharField(
        _("SMS delivery"), max_length=10, choices=Delivery.choices, default=Delivery.INSTANT
    )
    sms_enabled = models.BooleanField(_("send SMS"), default=True)
    mobile = EncryptedCharField(
        _("mobile for SMS"),
        max_length=11,
        blank=True,
        validators=[validate_mobile],
        help_text=_("Empty: the mobile of your staff record, if any."),
    )
    language = models.CharField(
        _("SMS language"), max_length=10, blank=True, choices=[("zh-hans", "中文"), ("bo", "བོད་ཡིག")]
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delivery}"


class SmsMessage(models.Model):
    """Every SMS, from queueing to its final status. The full number is erased once final."""

    created_at = models.DateTimeField(_("created at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = EncryptedCharField(_("number"), max_length=20, blank=True)  # erased when final
    phone_masked = models.CharField(_("number"), max_length=20)
    phone_hash = models.CharField(max_length=64, db_index=False)
    message = models.CharField(_("template"), max_length=64)
    language = models.CharField(_("language"), max_length=10)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=SmsStatus.choices, default=SmsStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    backend = models.CharField(_("gateway"), max_length=32, blank=True)
    provider_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="sms_rate_window"),
            models.Index(fields=["status", "created_at"], name="sms_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"], condition=~models.Q(dedup_key=""), name="sms_dedup_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.message} {self.status}"
