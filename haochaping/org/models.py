"""Regions, units (the rated government bodies), service halls, windows and staff."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.core.fields import EncryptedCharField
from haochaping.core.identifiers import validate_credit_code, validate_mobile, validate_region_code
from haochaping.org.enums import RegionLevel, UnitKind


class Region(models.Model):
    """An administrative division (GB/T 2260 code, 6/9/12 digits, stored as a string).

    ``path`` is the materialised chain of codes from the root ("/540000/540100/540102/") so a
    subtree is one indexed prefix scan.
    """

    code = models.CharField(
        _("region code"), max_length=12, unique=True, validators=[validate_region_code]
    )
    name = models.CharField(_("name"), max_length=100)
    name_bo = models.CharField(_("name in Tibetan"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Unit(models.Model):
    """A rated body: department, agency, park committee or public-service enterprise."""

    name = models.CharField(_("name"), max_length=200)
    name_bo = models.CharField(_("name in Tibetan"), max_length=300, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_service_administration = models.BooleanField(
        _("service administration"),
        default=False,
        help_text=_(
            "The government-service administration of its level (e.g. 市行政审批和便民服务局)."
        ),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class Hall(models.Model):
    """A government service hall (政务服务大厅 / 中心)."""

    name = models.CharField(_("name"), max_length=200)
    name_bo = models.CharField(_("name in Tibetan"), max_length=300, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="halls"
    )
    operator = models.ForeignKey(
        Unit,
        verbose_name=_("operating unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operated_halls",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("service hall")
        verbose_name_plural = _("service halls")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A service window in a hall; it usually serves one unit's items."""

    hall = models.ForeignKey(
        Hall, verbose_name=_("hall"), on_delete=models.PROTECT, related_name="windows"
    )
    number = models.CharField(_("window number"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit served"), on_delete=models.PROTECT, related_name="windows"
    )
    bilingual = models.BooleanField(_("bilingual (Tibetan and Chinese)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["hall_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique_in_hall")
        ]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number}"


class Staff(models.Model):
    """A staff member who serves citizens (rated as 窗口工作人员)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff"
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    name = models.CharField(_("name"), max_length=100)
    staff_no = models.CharField(_("staff number"), max_length=32)
    mobile = EncryptedCharField(
        _("mobile"), max_length=20, blank=True, validators=[validate_mobile]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["unit_id", "staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "staff_no"], name="staff_no_unique_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_no})"
