from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "haochaping.rectification"
    label = "rectification"
    verbose_name = _("Bad-review rectification")

    def ready(self) -> None:
        from haochaping.rectification import deadlines, messages, receivers  # noqa: F401

        receivers.connect()
        deadlines.register()
