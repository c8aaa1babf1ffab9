from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up working day")


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")


class ChangeChannel(models.TextChoices):
    WEB = "web", _("Web page")
    IMPORT = "import", _("Import")
    CLI = "cli", _("Command line")
    SHIPPED = "shipped", _("Shipped data")
