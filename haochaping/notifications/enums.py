from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    INSTANT = "instant", _("Instantly (an SMS for each important message)")
    DIGEST = "digest", _("Daily digest (one SMS a day)")


class SmsStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    RATE_LIMITED = "rate_limited", _("Not sent: rate limit")
