from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    LIAISON = "liaison", _("City bureau liaison (专职联络人)")
    HANDLER = "handler", _("Bad-review handler (账号经办人)")
    WINDOW_STAFF = "window_staff", _("Window staff")
    REVIEWER = "reviewer", _("Appeal reviewer")
    SUPERVISOR = "supervisor", _("Supervision office (督查室)")
    LEADER = "leader", _("Leader (read only)")
