"""Staff accounts: a role and an org scope (a region subtree or a unit subtree)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.enums import Role


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEADER)
    scope_region = models.ForeignKey(
        "org.Region",
        verbose_name=_("scope: region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The user sees every unit located in this region and below it."),
    )
    scope_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("scope: unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The user sees this unit and the units below it."),
    )
    staff = models.OneToOneField(
        "org.Staff",
        verbose_name=_("staff record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope_region__isnull=True) | models.Q(scope_unit__isnull=True),
                name="user_one_scope_kind",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username
