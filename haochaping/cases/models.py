"""Cases (办件): one application for one service item, handled by one unit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.cases.enums import ApplicantType, ApplyChannel, CaseStatus
from haochaping.core.fields import EncryptedCharField
from haochaping.core.identifiers import validate_mobile


class Case(models.Model):
    project_no = models.CharField(_("case number (projectNo)"), max_length=64, unique=True)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="cases"
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    applicant_type = models.CharField(
        _("applicant type"), max_length=1, choices=ApplicantType.choices
    )
    applicant_name = models.CharField(_("applicant name"), max_length=200)
    applicant_cert_no = EncryptedCharField(
        _("ID number or credit code"),
        max_length=18,
        blank=True,
        help_text=_("Citizen ID number for a person, unified social credit code otherwise."),
    )
    applicant_mobile = EncryptedCharField(
        _("applicant mobile"), max_length=20, blank=True, validators=[validate_mobile]
    )
    apply_channel = models.CharField(
        _("applied through"), max_length=16, choices=ApplyChannel.choices
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACCEPTED
    )
    accepted_at = models.DateTimeField(_("accepted at"))
    promised_at = models.DateTimeField(_("promised completion"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-accepted_at"]
        indexes = [
            models.Index(fields=["unit", "accepted_at"], name="case_unit_accepted_idx"),
            models.Index(fields=["status", "completed_at"], name="case_status_completed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True)
                | models.Q(completed_at__gte=models.F("accepted_at")),
                name="case_completed_after_accepted",
            )
        ]

    def __str__(self) -> str:
        return self.project_no

    @property
    def is_online(self) -> bool:
        return self.apply_channel in ApplyChannel.online_channels()
