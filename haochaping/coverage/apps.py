from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    name = "haochaping.coverage"
    label = "coverage"
    verbose_name = _("Coverage: supplementary ratings, society's comments, supervision")

    def ready(self) -> None:
        from haochaping.coverage import (  # noqa: F401  (signals, sweep rule)
            deadlines,
            imports,
            receivers,
        )
