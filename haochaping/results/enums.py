"""Vocabularies of results: period grains, breakdown dimensions, ranking kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grain(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Dimension(models.TextChoices):
    """What a metric is broken down by."""

    NONE = "none", _("Total")
    REGION = "region", _("County / district")
    UNIT = "unit", _("Unit")
    HALL = "hall", _("Service hall")
    WINDOW = "window", _("Window")
    STAFF = "staff", _("Staff member")
    ITEM = "item", _("Service item")
    CHANNEL = "channel", _("Channel")


class RankingKind(models.TextChoices):
    REGION = "region", _("Counties and districts")
    UNIT = "unit", _("Units")
    HALL = "hall", _("Service halls")
    WINDOW = "window", _("Windows")
    ITEM = "item", _("Service items")


class TypicalKind(models.TextChoices):
    GOOD = "good", _("Good practice")
    BAD = "bad", _("Bad review and its rectification")
