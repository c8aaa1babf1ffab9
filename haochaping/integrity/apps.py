from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "haochaping.integrity"
    verbose_name = _("Integrity checks")

    def ready(self) -> None:
        from haochaping.integrity import imports  # noqa: F401  (receiver of ratings_imported)
