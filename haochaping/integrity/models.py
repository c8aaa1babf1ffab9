"""Integrity: per-rating fingerprints (for short-window lookups), flags, and the review queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.core.fields import EncryptedCharField
from haochaping.integrity.enums import Outcome, ReviewStatus


class Fingerprint(models.Model):
    """What the checks look up about earlier ratings, one row per checked rating.

    The ratings table has indexes for reporting (unit, time) only; the checks need "the same
    phone / device / text / window in the last hour". These narrow partial indexes answer that
    with a bounded index range scan, and leave the ratings table's write path alone. Rows older
    than the longest look-back (``integrity prune``) can be deleted.
    """

    rating = models.OneToOneField(
        "ratings.Rating",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    at = models.DateTimeField()
    unit_id = models.BigIntegerField()
    window_id = models.BigIntegerField(null=True)
    staff_id = models.BigIntegerField(null=True)
    mobile = EncryptedCharField(max_length=20, blank=True)
    device = models.CharField(max_length=64, blank=True)
    text_hash = models.CharField(max_length=16, blank=True)
    is_top = models.BooleanField(default=False)
    onsite_after_hours = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["mobile", "at"],
                name="integrity_fp_mobile",
                condition=~models.Q(mobile=""),
            ),
            models.Index(
                fields=["device", "at"],
                name="integrity_fp_device",
                condition=~models.Q(device=""),
            ),
            models.Index(
                fields=["text_hash", "at"],
                name="integrity_fp_text",
                condition=~models.Q(text_hash=""),
            ),
            models.Index(
                fields=["window_id", "at"],
                name="integrity_fp_window_top",
                condition=models.Q(is_top=True, window_id__isnull=False),
            ),
            models.Index(
                fields=["staff_id", "at"],
                name="integrity_fp_staff_top",
                condition=models.Q(is_top=True, staff_id__isnull=False),
            ),
            models.Index(
                fields=["unit_id", "at"],
                name="integrity_fp_after_hours",
                condition=models.Q(onsite_after_hours=True),
            ),
        ]

    def __str__(self) -> str:
        return str(self.rating_id)


class Review(models.Model):
    """A flagged rating waiting for the bureau: confirm (exclude it) or clear (keep it)."""

    rating = models.OneToOneField(
        "ratings.Rating",
        verbose_name=_("rating"),
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="integrity_review",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("rated unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    score = models.FloatField(_("score"), default=0.0)
    opened_at = models.DateTimeField(_("flagged at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("integrity review")
        verbose_name_plural = _("integrity reviews")
        ordering = ["-score", "opened_at"]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="integrity_review_status"),
            models.Index(fields=["unit", "opened_at"], name="integrity_review_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="integrity_review_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.status}"


class Flag(models.Model):
    """One check's finding on one rating: its score and the facts behind it (``details``)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="flags")
    check_code = models.CharField(_("check"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    score = models.FloatField(_("score"))
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("integrity flag")
        verbose_name_plural = _("integrity flags")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "check_code"], name="integrity_flag_once"),
        ]
        indexes = [models.Index(fields=["check_code", "created_at"], name="integrity_flag_check")]

    def __str__(self) -> str:
        return f"{self.check_code} {self.score:.2f}"
