"""The working-day calendar: dated exceptions to "Monday to Friday", per region scope.

A day without an entry is a working day when it falls on Monday to Friday. An entry turns a
day into a holiday or (on a weekend) into a make-up working day (调休上班). ``region_code`` is
"" for the national calendar (State Council) or a region code (540000 Tibet, 540100 Lhasa ...);
a region's calendar is the national one plus the entries of the region and of its ancestors,
the most specific scope winning on a date (see selectors.region_chain).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.workdays.enums import AuditAction, ChangeChannel, EntryKind


class CalendarEntry(models.Model):
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(
        _("source"), max_length=300, help_text=_("The notice this entry comes from.")
    )
    region_code = models.CharField(
        _("region scope"),
        max_length=12,
        blank=True,
        default="",
        help_text=_("Empty for the national calendar, else a region code such as 540100."),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        ordering = ["date", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "region_code"], name="workdays_entry_one_per_date_scope"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in EntryKind]),
                name="workdays_entry_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["region_code", "date"], name="workdays_entry_scope_date")]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"

    def snapshot(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "name": self.name,
            "source": self.source,
            "region": self.region_code,
        }


class CalendarState(models.Model):
    """One row: a token that changes with every calendar change (the in-process cache key)."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("calendar state")

    def __str__(self) -> str:
        return self.token


class CalendarAudit(models.Model):
    """One row per entry change: who, what, when, how, and the entry before and after."""

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    via = models.CharField(_("channel"), max_length=10, choices=ChangeChannel.choices)
    batch = models.CharField(_("batch"), max_length=32, blank=True)
    entry_id = models.BigIntegerField(_("entry id"), null=True, blank=True)
    date = models.DateField(_("date"))
    region_code = models.CharField(_("region scope"), max_length=12, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar audit record")
        verbose_name_plural = _("calendar audit records")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.date}"
