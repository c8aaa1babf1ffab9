from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataoutConfig(AppConfig):
    name = "haochaping.dataout"
    label = "dataout"
    verbose_name = _("Data out (regional platform push)")

    def ready(self) -> None:
        from haochaping.dataout import alerts, imports, receivers  # noqa: F401  (imports: signal)

        alerts.register()
        receivers.connect()
