"""Appeals (差评复核): the rectification notice to the rated staff, the appeal, its timeline and
evidence, and the routing table that says which unit reviews an appeal.

Deadlines are computed once, at the transition, with the working-day calendar of the region
concerned, and stored: ``file_due_at`` (3 working days from the notice's delivery),
``decision_due_at`` (7 working days from filing), ``further_request_due_at`` and
``further_due_at`` (the city bureau's further review).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haochaping.appeals.enums import CentreMatch, FiledFor, Outcome, RoutingBasis, Status


class RectificationNotice(models.Model):
    """The rectification notice as delivered to the rated staff member (or, without one, the
    rated unit): the appeal period runs from ``delivered_at``."""

    rectification = models.OneToOneField(
        "rectification.Rectification", on_delete=models.CASCADE, related_name="appeal_notice"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("rated staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    file_days = models.PositiveSmallIntegerField(_("appeal period (working days)"))
    file_due_at = models.DateTimeField(_("appeal period ends"))
    read_at = models.DateTimeField(_("first read by the staff member"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-delivered_at", "-id"]
        indexes = [models.Index(fields=["staff", "delivered_at"], name="appeal_notice_staff_idx")]

    def __str__(self) -> str:
        return f"N{self.pk}"


class RoutingRule(models.Model):
    """One row of the routing table: appeals about ``unit`` (or any unit located in ``region``
    and below), for the items ``centre`` says, go to ``reviewer_unit``. The most specific rule
    wins (a unit rule before a region rule, a deeper region before a higher one, a centre/elsewhere
    rule before an "any" rule); without a rule the default applies (docs/appeals.md)."""

    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("rated unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every unit located in the region and below."),
    )
    centre = models.CharField(
        _("items"), max_length=10, choices=CentreMatch.choices, default=CentreMatch.ANY
    )
    reviewer_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("reviewing unit"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("appeal routing rule")
        verbose_name_plural = _("appeal routing table")
        ordering = ["region__code", "unit_id", "centre"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "unit", "centre"],
                condition=models.Q(active=True, unit__isnull=False),
                name="appeal_route_unit_once",
            ),
            models.UniqueConstraint(
                fields=["region", "centre"],
                condition=models.Q(active=True, unit__isnull=True),
                name="appeal_route_region_once",
            ),
            models.CheckConstraint(
                condition=models.Q(centre__in=CentreMatch.values), name="appeal_route_centre_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.unit_id or '*'}/{self.centre} → {self.reviewer_unit_id}"


class Appeal(models.Model):
    rectification = models.OneToOneField(
        "rectification.Rectification",
        verbose_name=_("rectification"),
        on_delete=models.PROTECT,
        related_name="appeal",
    )
    rating = models.ForeignKey(
        "ratings.Rating",
        verbose_name=_("rating"),
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("rated unit"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("rated staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_for = models.CharField(_("filed for"), max_length=8, choices=FiledFor.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reasons = models.TextField(_("reasons"))
    notice_delivered_at = models.DateTimeField(_("notice delivered at"))
    file_due_at = models.DateTimeField(_("appeal period ended"))
    filed_at = models.DateTimeField(_("filed at"))
    paused_rectification = models.BooleanField(_("paused the rectification"), default=False)

    reviewer_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("reviewing unit"), on_delete=models.PROTECT, related_name="+"
    )
    routing_basis = models.CharField(_("routed by"), max_length=24, choices=RoutingBasis.choices)
    routing_rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_service_centre = models.BooleanField(_("handled in a service centre"), default=False)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decision_days = models.PositiveSmallIntegerField(_("decision period (working days)"))
    decision_due_at = models.DateTimeField(_("decision due"))
    decision_overdue = models.BooleanField(_("decision overdue"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    decision_reason = models.TextField(_("written reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    further_request_due_at = models.DateTimeField(
        _("further review may be asked until"), null=True, blank=True
    )
    further_requested_at = models.DateTimeField(_("further review asked at"), null=True, blank=True)
    further_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    further_request_reason = models.TextField(_("why a further review"), blank=True)
    further_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("further reviewing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    further_days = models.PositiveSmallIntegerField(
        _("further review period (working days)"), default=0
    )
    further_due_at = models.DateTimeField(_("further review due"), null=True, blank=True)
    further_overdue = models.BooleanField(_("further review overdue"), default=False)
    further_outcome = models.CharField(
        _("further review outcome"), max_length=12, choices=Outcome.choices, blank=True
    )
    further_reason = models.TextField(_("further review written reason"), blank=True)
    further_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    further_decided_at = models.DateTimeField(_("further review decided at"), null=True, blank=True)

    final_outcome = models.CharField(
        _("outcome in force"), max_length=12, choices=Outcome.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "decision_due_at"], name="appeal_decision_due_idx"),
            models.Index(fields=["status", "further_due_at"], name="appeal_further_due_idx"),
            models.Index(fields=["reviewer_unit", "status"], name="appeal_reviewer_idx"),
            models.Index(fields=["unit", "filed_at"], name="appeal_unit_filed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="appeal_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status=Status.PENDING, outcome="", decided_at__isnull=True)
                | (
                    ~models.Q(status=Status.PENDING)
                    & ~models.Q(outcome="")
                    & models.Q(decided_at__isnull=False)
                ),
                name="appeal_outcome_iff_decided",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.FINAL) | ~models.Q(further_outcome=""),
                name="appeal_final_has_further_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(filed_at__lte=models.F("file_due_at")),
                name="appeal_filed_in_time",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.pk])

    @property
    def label(self) -> str:
        return f"A{self.pk:05d}" if self.pk else "A?"

    @property
    def decided_on_time(self) -> bool | None:
        if self.decided_at is None:
            return None
        return self.decided_at <= self.decision_due_at


class AppealEvent(models.Model):
    """The appeal's timeline. Never holds the evaluator's identity."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("event type"), max_length=64)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeal_event_idx")]

    def __str__(self) -> str:
        return self.type


class AppealEvidence(models.Model):
    """An image or PDF filed with the appeal (under MEDIA_ROOT, downloaded only through the
    permission-checked view)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence")
    event = models.ForeignKey(
        AppealEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="appeals/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("appeal evidence file")
        verbose_name_plural = _("appeal evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
