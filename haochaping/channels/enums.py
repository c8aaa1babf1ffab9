from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    """How a staff member keyed in a citizen's rating (always labelled as such)."""

    PHONE = "phone", _("Recorded by a 12345 / phone operator")
    PAPER = "paper", _("Keyed in from a paper form")


class LinkPurpose(models.TextChoices):
    """Why a rating link was made; decides nothing but is shown to staff and in reports."""

    RECEIPT = "receipt", _("QR code on the case receipt")
    ONLINE = "online", _("Online portal or app")
    SMS = "sms", _("SMS invitation")
    TABLET_LATER = "tablet_later", _("Rate later (hall tablet)")
    FOLLOW_UP = "follow_up", _("Follow-up rating after rectification")


class LinkState(models.TextChoices):
    OPEN = "open", _("Open")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
