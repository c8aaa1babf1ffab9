from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """What one check says about one rating."""

    PASS = "pass", _("Pass")
    FLAG = "flag", _("Flag for review")
    REJECT = "reject", _("Reject")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    CONFIRMED = "confirmed", _("Confirmed: rating excluded")
    CLEARED = "cleared", _("Cleared: rating kept")
