"""Vocabularies of appeals (差评复核), DOMAIN.md §6."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting the reviewer's decision")
    DECIDED = "decided", _("Decided")
    FURTHER_REVIEW = "further_review", _("Further review by the city bureau")
    FINAL = "final", _("Final (after further review)")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the rating stands")
    EXPLANATION = "explanation", _("Explanation to the citizen (no legal basis)")
    NOT_ADOPTED = "not_adopted", _("Not adopted (mis-rating or malicious rating)")


class Action(models.TextChoices):
    FILE = "file", _("File an appeal")
    DECIDE = "decide", _("Decide the appeal")
    REQUEST_FURTHER = "request_further", _("Ask for a further review")
    DECIDE_FURTHER = "decide_further", _("Decide the further review")


class FiledFor(models.TextChoices):
    STAFF = "staff", _("The rated staff member")
    UNIT = "unit", _("The rated unit")


class CentreMatch(models.TextChoices):
    """Which items a routing rule covers: handled in a service centre, elsewhere, or both."""

    ANY = "any", _("Any item")
    CENTRE = "centre", _("Items handled in a service centre")
    ELSEWHERE = "elsewhere", _("Items handled elsewhere")


class RoutingBasis(models.TextChoices):
    RULE = "rule", _("Routing table")
    SERVICE_ADMINISTRATION = "service_administration", _("Service administration at the same level")
    SUPERVISING_DEPARTMENT = "supervising_department", _("Supervising department")
