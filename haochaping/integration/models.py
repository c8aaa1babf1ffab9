"""Integration clients (business systems, devices) and the nonces they have used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntegrationClient(models.Model):
    """A system that calls the signed API.

    The HMAC secret must be known to verify signatures, so it cannot be hashed: it is stored
    encrypted (Fernet, key derived from SECRET_KEY; see haochaping.integration.secrets).
    The scope is a region subtree or a unit subtree, like a staff account's.
    """

    name = models.CharField(_("name"), max_length=200)
    app_id = models.CharField(_("app id"), max_length=40, unique=True)
    secret_encrypted = models.TextField(_("encrypted secret"))
    scope_code = models.CharField(_("scope code"), max_length=18)
    scope_region = models.ForeignKey(
        "org.Region",
        verbose_name=_("scope: region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("scope: unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("integration client")
        verbose_name_plural = _("integration clients")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope_region__isnull=False, scope_unit__isnull=True)
                    | models.Q(scope_region__isnull=True, scope_unit__isnull=False)
                ),
                name="integration_client_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class UsedNonce(models.Model):
    """A nonce seen within the timestamp window; the unique key makes each single-use."""

    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="nonce_single_use")]

    def __str__(self) -> str:
        return self.nonce
