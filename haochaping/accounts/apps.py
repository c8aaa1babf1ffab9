from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "haochaping.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from haochaping.accounts import receivers  # noqa: F401
