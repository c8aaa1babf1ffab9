from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operator commands only (no models, no pages): backup and restore."""

    name = "haochaping.ops"
    label = "ops"
    verbose_name = _("Operations")  # translated in haochaping/locale (6e3be3c)
