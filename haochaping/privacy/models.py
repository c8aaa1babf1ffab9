"""Citizen data: the log of every reveal of a masked identity (who, when, what, why)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RevealLog(models.Model):
    """One reveal of a citizen's full name, mobile or ID number on a staff page. Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20)
    target = models.CharField(_("record"), max_length=40)
    object_id = models.CharField(_("record id"), max_length=64)
    fields = models.JSONField(_("fields shown"), default=list)
    reason = models.CharField(_("reason"), max_length=300)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("identity reveal")
        verbose_name_plural = _("identity reveals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="privacy_reveal_time"),
            models.Index(fields=["target", "object_id"], name="privacy_reveal_target"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.target}:{self.object_id} {self.created_at:%Y-%m-%d %H:%M}"
