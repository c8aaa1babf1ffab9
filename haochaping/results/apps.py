from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "haochaping.results"
    label = "results"
    verbose_name = _("Results")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from haochaping.results.triggers import ensure_installed

        post_migrate.connect(ensure_installed, sender=self, dispatch_uid="results-triggers")
