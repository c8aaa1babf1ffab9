"""Summary tables that dashboards and rankings read, and the bureau's typical cases.

``UnitDayCount`` and ``UnitMonthCount`` are coarser copies of ``ratings.RatingRollup`` (item, window
and staff dropped) and ``ReasonDayCount`` counts the reason codes of valid first ratings. All
three are kept exact by database triggers (migration 0002) in the same transaction as the
rollup or rating row they follow, whoever writes it: the rating services, the bulk importer's
``INSERT ... SELECT`` fast path, or an exclusion. ``results_rebuild`` recomputes them from
scratch. ``CaseDayCount`` (completed and rated cases per completion day) is refreshed by a
periodic job (``results.tasks.refresh_case_counts``) because a case becomes "rated" up to
30 days after it is completed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.ratings.enums import Channel, Level, Origin
from haochaping.results.enums import TypicalKind


class UnitDayCount(models.Model):
    day = models.DateField()
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    channel = models.CharField(max_length=1, choices=Channel.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    assess_number = models.PositiveSmallIntegerField(default=1)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily rating count per unit")
        verbose_name_plural = _("daily rating counts per unit")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit", "channel", "level", "origin", "assess_number"],
                name="results_unitday_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.level}: {self.count}"


class UnitMonthCount(models.Model):
    month = models.DateField(help_text="First day of the month.")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    channel = models.CharField(max_length=1, choices=Channel.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    assess_number = models.PositiveSmallIntegerField(default=1)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly rating count per unit")
        verbose_name_plural = _("monthly rating counts per unit")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "channel", "level", "origin", "assess_number"],
                name="results_unitmonth_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id} {self.level}: {self.count}"


class ReasonDayCount(models.Model):
    day = models.DateField()
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    code = models.CharField(max_length=8)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily reason-code count")
        verbose_name_plural = _("daily reason-code counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit", "level", "code"], name="results_reasonday_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.code}: {self.count}"


class CaseDayCount(models.Model):
    """Cases completed on ``day`` by ``unit``, and how many of them have a valid rating."""

    day = models.DateField()
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    online = models.BooleanField(default=False)
    completed = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    citizen_rated = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily case count per unit")
        verbose_name_plural = _("daily case counts per unit")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit", "online"], name="results_caseday_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id}: {self.rated}/{self.completed}"


class TypicalCase(models.Model):
    """A typical case (典型案例) chosen and written up by the bureau for the public site.

    The text is written anonymised; the service refuses text that contains an ID number, a
    mobile number or a case number (see ``services.typical_case_save``).
    """

    kind = models.CharField(_("kind"), max_length=8, choices=TypicalKind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    title_bo = models.CharField(_("title in Tibetan"), max_length=400, blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    body = models.TextField(_("text (anonymised)"))
    body_bo = models.TextField(_("text in Tibetan (anonymised)"), blank=True)
    body_en = models.TextField(_("text in English (anonymised)"), blank=True)
    period = models.DateField(_("month"), help_text=_("Any day of the month the case belongs to."))
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-period", "-id"]
        indexes = [models.Index(fields=["published", "period"], name="results_typical_pub_idx")]

    def __str__(self) -> str:
        return self.title

    def localized(self, language: str) -> tuple[str, str]:
        """(title, body) in ``language``, falling back to Chinese."""
        if language == "bo" and self.title_bo:
            return self.title_bo, self.body_bo or self.body
        if language == "en" and self.title_en:
            return self.title_en, self.body_en or self.body
        return self.title, self.body
