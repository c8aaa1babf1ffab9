"""Service items (政务服务事项) as published in the catalog."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.catalog.enums import CaseType, ItemType


class ServiceItem(models.Model):
    task_code = models.CharField(_("implementation code (taskCode)"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_bo = models.CharField(_("name in Tibetan"), max_length=500, blank=True)
    item_type = models.CharField(_("item type"), max_length=2, choices=ItemType.choices)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    online_capable = models.BooleanField(_("can be handled online"), default=False)
    case_type = models.CharField(_("case type"), max_length=1, choices=CaseType.choices)
    promised_days = models.PositiveSmallIntegerField(
        _("promised working days"), default=0, validators=[MaxValueValidator(365)]
    )
    legal_days = models.PositiveSmallIntegerField(
        _("legal time limit in working days"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(730)],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["task_code"]

    def __str__(self) -> str:
        return self.name
