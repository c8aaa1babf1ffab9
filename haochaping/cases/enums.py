from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicantType(models.TextChoices):
    """Service object (GB/T 39046; the 好差评 record's ``userProp``)."""

    PERSON = "1", _("Natural person")
    LEGAL_PERSON = "2", _("Legal person")
    OTHER = "9", _("Other organisation")


class CaseStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Not accepted / refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplyChannel(models.TextChoices):
    """How the case was applied for (not how it is rated)."""

    WINDOW = "window", _("At a window")
    ONLINE = "online", _("Online (web portal)")
    APP = "app", _("Mobile app / mini-program")
    SELF_SERVICE = "self_service", _("Self-service kiosk")

    @classmethod
    def online_channels(cls) -> set[str]:
        return {cls.ONLINE, cls.APP}
