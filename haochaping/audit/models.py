"""The audit trail: an append-only, hash-chained record of every write.

Writers insert an :class:`AuditRecord` in their own transaction with no chain position (a plain
insert, no lock). The sealer (:mod:`haochaping.audit.sealer`) later takes unsealed rows in id
order under the lock of the single :class:`ChainState` row, gives each the next ``seq`` and
``hash = sha256(prev_hash || canonical row)``. :class:`DayHead` keeps the last sealed hash of
each local day: that is what the public site publishes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditRecord(models.Model):
    seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True)
    # hash = sha256(prev_hash || canonical row); prev_hash kept so that each row can be checked
    # on its own (a deleted neighbour does not hide a changed row).
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("chain hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("written at"))
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=200)
    address = models.CharField(_("address"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("summary of the change"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["id"]
        indexes = [
            # Only unsealed rows are in it: the sealer's scan stays small however long the chain.
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"
            ),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.actor} {self.action} {self.object_type}:{self.object_id}"


class ChainState(models.Model):
    """The head of the chain (one row, pk=1); locking it serialises the sealers."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash}"


class DayHead(models.Model):
    """The last sealed row of one local day: published at /public/audit/."""

    day = models.DateField(_("day"), unique=True)
    seq = models.BigIntegerField(_("chain position"))
    hash = models.CharField(_("chain hash"), max_length=64)

    class Meta:
        verbose_name = _("daily chain head")
        verbose_name_plural = _("daily chain heads")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.seq} {self.hash}"
