from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "haochaping.appeals"
    label = "appeals"
    verbose_name = _("Bad-review appeals")

    def ready(self) -> None:
        from haochaping.appeals import deadlines, messages, receivers  # noqa: F401

        receivers.connect()
        deadlines.register()
