"""Reports, their review comments, timeline, and the archived (immutable) files of each version."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.reporting.enums import Audience, FileFormat, ReportKind, ReportState


class Report(models.Model):
    """One version of one report of one period. A correction is a new row (``version`` + 1)."""

    kind = models.CharField(_("kind"), max_length=32, choices=ReportKind.choices)
    period_key = models.CharField(_("period"), max_length=10)  # 2026-10, 2026-Q3, 2026
    version = models.PositiveIntegerField(_("version"), default=1)
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.DRAFT
    )
    # the gathered figures (builders.gather_*), frozen when the version is created
    data = models.JSONField(_("data"), default=dict)
    problems_found = models.TextField(_("problems found"), blank=True)
    typical_cases = models.TextField(_("typical cases"), blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects version"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-period_key", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_key", "version"], name="reporting_report_unique_version"
            ),
            models.UniqueConstraint(
                fields=["kind", "period_key"],
                condition=models.Q(state__in=["draft", "in_review"]),
                name="reporting_report_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "period_key"],
                condition=models.Q(state="published"),
                name="reporting_report_one_published_version",
            ),
        ]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_key} v{self.version}"

    @property
    def audience(self) -> str:
        return Audience.PUBLIC if ReportKind(self.kind).is_public else Audience.INTERNAL

    @property
    def is_editable(self) -> bool:
        return self.state in ReportState.open_values()


class ReportComment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} comment {self.pk}"


class ReportEvent(models.Model):
    """Timeline: ``reporting.generated``, ``.commented``, ``.sections_edited``, ``.submitted``,
    ``.returned``, ``.published``, ``.superseded``, ``.corrected``, ``.file_archived``."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=64)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.type}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("archived report files cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("archived report files cannot be deleted")


class ReportFile(models.Model):
    """An archived rendering of a published report version: written once, never changed.

    The bytes live in the database (a report is tens of kilobytes) so the archive travels with
    the database backup; ``sha256`` is computed from them when written and checked on download.
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["report", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "format", "audience"], name="reporting_file_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("archived report files cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("archived report files cannot be deleted")

    @property
    def filename(self) -> str:
        r = self.report
        return f"haochaping-{r.kind}-{r.period_key}-v{r.version}.{self.format}"

    @property
    def content_type(self) -> str:
        if self.format == FileFormat.PDF:
            return "application/pdf"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
