from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "haochaping.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from haochaping.audit.capture import connect_all

        connect_all()
