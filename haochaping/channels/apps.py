from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "haochaping.channels"
    label = "channels"
    verbose_name = _("Rating channels")

    def ready(self) -> None:
        from haochaping.channels import receivers  # noqa: F401  (connects signal receivers)
