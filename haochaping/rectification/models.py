"""Bad-review rectification (差评整改): the item, its timeline, evidence, callbacks, reveals.

Deadlines are stored per clock (contact, feedback, close) as the clock's start, its length in
working days (extended by pauses) and the computed due time; they are computed at the
transition with the unit's regional working-day calendar and recomputed when the calendar
changes (see services.recompute_deadlines).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haochaping.rectification.enums import (
    CallbackMethod,
    CallbackOutcome,
    FixSatisfaction,
    Resolution,
    Status,
)


class HandlerDesignation(models.Model):
    """The unit's designated bad-review handler account (账号经办人); backups allowed."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_backup = models.BooleanField(_("backup"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("handler designation")
        verbose_name_plural = _("handler designations")
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="rect_designation_once"),
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(is_backup=False),
                name="rect_one_primary_handler_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.user}"


class Rectification(models.Model):
    rating = models.ForeignKey(
        "ratings.Rating",
        verbose_name=_("rating"),
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="rectifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=Resolution.choices, blank=True
    )
    is_complex = models.BooleanField(_("complex"), default=False)
    complex_reason = models.CharField(_("why it is complex"), max_length=500, blank=True)
    is_real_name = models.BooleanField(_("real-name review"), default=False)
    opened_at = models.DateTimeField(_("opened at"))

    contact_started_at = models.DateTimeField(_("contact clock started"))
    contact_days = models.PositiveSmallIntegerField(_("contact clock (working days)"))
    contact_due_at = models.DateTimeField(_("contact due"))
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    contact_overdue = models.BooleanField(_("contact overdue"), default=False)

    feedback_started_at = models.DateTimeField(_("feedback clock started"))
    feedback_days = models.PositiveSmallIntegerField(_("feedback clock (working days)"))
    feedback_due_at = models.DateTimeField(_("feedback due"))
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    feedback_overdue = models.BooleanField(_("feedback overdue"), default=False)

    close_started_at = models.DateTimeField(_("close clock started"), null=True, blank=True)
    close_days = models.PositiveSmallIntegerField(_("close clock (working days)"), default=0)
    close_due_at = models.DateTimeField(_("close due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_overdue = models.BooleanField(_("close overdue"), default=False)

    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    pause_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    paused_workdays = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    fix_satisfaction = models.CharField(
        _("satisfaction with the fix"), max_length=12, choices=FixSatisfaction.choices, blank=True
    )
    last_urged_at = models.DateTimeField(_("last urged at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"], name="rect_unit_status_idx"),
            models.Index(fields=["status", "contact_due_at"], name="rect_contact_due_idx"),
            models.Index(fields=["status", "feedback_due_at"], name="rect_feedback_due_idx"),
            models.Index(fields=["status", "close_due_at"], name="rect_close_due_idx"),
            models.Index(fields=["opened_at"], name="rect_opened_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rating"],
                condition=models.Q(status__in=Status.open_values()),
                name="one_open_rectification_per_rating",
            ),
            models.CheckConstraint(
                condition=models.Q(reopen_count__lte=1), name="rect_reopened_at_most_once"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="rect_status_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(is_complex=True, complex_reason=""),
                name="rect_complex_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("rectification:detail", args=[self.pk])

    @property
    def label(self) -> str:
        """What people call the item: the case number, or R<id> for 综合点评."""
        return self.case.project_no if self.case_id else f"R{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in Status.open_values()

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def running_clock(self) -> tuple[str, dt.datetime | None]:
        """The clock the current state runs against: (name, due) or ("", None)."""
        if self.status in (Status.NEW, Status.REOPENED):
            return "contact", self.contact_due_at
        if self.status in (Status.CONTACTED, Status.RECTIFYING):
            return "feedback", self.feedback_due_at
        if self.status in (Status.FEEDBACK_GIVEN, Status.AWAITING_CALLBACK):
            return "close", self.close_due_at
        return "", None

    def is_overdue(self, now: dt.datetime) -> bool:
        _name, due = self.running_clock()
        return due is not None and now > due and not self.is_paused


class RectificationEvent(models.Model):
    """The timeline: every transition and operation, with actor, time, note and evidence."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("event type"), max_length=64)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["rectification", "created_at"], name="rect_event_idx")]

    def __str__(self) -> str:
        return self.type


class Evidence(models.Model):
    """An image or PDF attached to a timeline event. Stored under MEDIA_ROOT (never served by
    the web server); downloaded only through the permission-checked view."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="evidence"
    )
    event = models.ForeignKey(
        RectificationEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to="rectification/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Callback(models.Model):
    """One callback by the city liaison: how, whether the citizen was reached, how satisfied."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="callbacks"
    )
    method = models.CharField(_("method"), max_length=10, choices=CallbackMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallbackOutcome.choices)
    satisfaction = models.CharField(
        _("satisfaction with the fix"), max_length=12, choices=FixSatisfaction.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="reached", satisfaction__in=FixSatisfaction.values)
                | (~models.Q(outcome="reached") & models.Q(satisfaction="")),
                name="rect_callback_satisfaction_iff_reached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.outcome}"


class ContactReveal(models.Model):
    """Each time someone saw the citizen's full contact details: who, when, why."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="reveals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("contact reveal")
        verbose_name_plural = _("contact reveals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
