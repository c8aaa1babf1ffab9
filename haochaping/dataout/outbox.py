"""The transactional outbox: one row per record the regional platform must receive.

A row is written by :mod:`haochaping.dataout.receivers` in the same transaction as the rating or
rectification change it reports, so a rolled-back change sends nothing and a committed one is
never forgotten. :mod:`haochaping.dataout.delivery` claims rows, sends them through the platform
adapter and logs each attempt (Saleor's ``EventDelivery`` / ``EventDeliveryAttempt``).

- ``record_id`` is stable and unique: the platform dedupes on it, so a redelivery (after a
  worker was killed, a lost answer, an operator's resend) is harmless.
- ``aggregate_key`` (the case's projectNo) keeps order per case: a message is not claimed while
  an earlier message with the same key is not yet delivered (a rating before its rectification
  results). A dead-lettered message therefore holds back the later ones of its case until an
  operator retries it; the admin page shows them as blocked.
- ``payload`` is an adapter-neutral snapshot taken in the transaction (internal names and
  enums); the adapter maps it to the wire when sending, so a new platform version is a new
  adapter, not a data migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.dataout.enums import AttemptOutcome, MessageStatus, ReconcileStatus, Topic


class OutboxMessage(models.Model):
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    source_id = models.BigIntegerField(_("source row id"))
    aggregate_key = models.CharField(_("case (order key)"), max_length=80)
    record_id = models.CharField(_("record id"), max_length=64, unique=True)
    payload = models.JSONField(_("payload"))
    occurred_at = models.DateTimeField(_("business time"))
    business_day = models.DateField(_("business day (local)"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    platform_reply = models.CharField(_("platform reply"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "source_id"], name="dataout_one_message_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MessageStatus.values), name="dataout_status_known"
            ),
        ]
        indexes = [
            # The claim: due pending rows, and rows whose lease ran out (partial: stays small).
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="pending"),
                name="dataout_due_idx",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="sending"),
                name="dataout_leased_idx",
            ),
            # Per-case order: "is an earlier message of this case still undelivered?"
            models.Index(
                fields=["aggregate_key", "id"],
                condition=~models.Q(status="delivered"),
                name="dataout_undelivered_key_idx",
            ),
            models.Index(fields=["business_day", "topic"], name="dataout_day_idx"),
        ]

    def __str__(self) -> str:
        return self.record_id


class OutboxAttempt(models.Model):
    """One try to deliver a message: when, by whom, what the platform answered."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=AttemptOutcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    adapter = models.CharField(_("adapter"), max_length=40, blank=True)
    worker = models.CharField(_("worker"), max_length=80, blank=True)
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message_id", "number", "id"]
        indexes = [models.Index(fields=["started_at"], name="dataout_attempt_time_idx")]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.number} {self.outcome}"


class ReconciliationRun(models.Model):
    """The daily comparison with the platform (or the daily batch file written)."""

    day = models.DateField(_("day"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    status = models.CharField(_("result"), max_length=10, choices=ReconcileStatus.choices)
    local_count = models.PositiveIntegerField(_("records here"), default=0)
    platform_count = models.PositiveIntegerField(
        _("records at the platform"), null=True, blank=True
    )
    local_hash = models.CharField(max_length=64, blank=True)
    platform_hash = models.CharField(max_length=64, blank=True)
    details = models.JSONField(_("differences"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.topic} {self.status}"


class AuditEntry(models.Model):
    """Who retried, resent or reconciled what, and when."""

    action = models.CharField(_("action"), max_length=20)
    message = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("data-out audit entry")
        verbose_name_plural = _("data-out audit entries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.actor_label}"
