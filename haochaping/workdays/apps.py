from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reset_cache(**kwargs) -> None:
    from haochaping.workdays import cache

    cache.reset()


class WorkdaysConfig(AppConfig):
    name = "haochaping.workdays"
    label = "workdays"
    verbose_name = _("Working days")

    def ready(self) -> None:
        from haochaping.workdays import checks  # noqa: F401  (registers system checks)

        # A flush (tests, 'haochaping flush') empties the tables without telling the
        # in-process cache; post_migrate follows every flush and migrate.
        post_migrate.connect(_reset_cache, dispatch_uid="workdays-reset-cache")
