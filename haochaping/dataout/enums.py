"""Vocabularies of the regional-platform push."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """What a message carries; the adapter turns each topic into one kind of wire record."""

    RATING = "rating", _("Rating")
    RATING_EXCLUDED = "rating_excluded", _("Rating not adopted")
    RECTIFICATION = "rectification", _("Rectification result")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead-lettered")


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Accepted by the platform")
    DUPLICATE = "duplicate", _("Already held by the platform")
    RETRY = "retry", _("Failed, will be retried")
    REJECTED = "rejected", _("Rejected by the platform")
    DEAD = "dead", _("Failed, attempts used up")
    LOST = "lost", _("Worker stopped during the attempt")
    STALE = "stale", _("Result discarded: another worker took over")


class ReconcileStatus(models.TextChoices):
    MATCH = "match", _("Matches the platform")
    DIFFERENT = "different", _("Differences found")
    FILE_WRITTEN = "file", _("Daily batch file written")
    ERROR = "error", _("Could not reconcile")


class AuditAction(models.TextChoices):
    RETRY = "retry", _("Retry a dead-lettered message")
    RESEND = "resend", _("Resend a delivered message")
    RECONCILE = "reconcile", _("Run the reconciliation")
    RESEND_MISSING = "resend_missing", _("Resend records missing at the platform")
