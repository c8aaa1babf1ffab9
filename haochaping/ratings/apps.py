from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "haochaping.ratings"
    label = "ratings"
    verbose_name = _("Ratings")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from haochaping.ratings.selectors import content_version_cache_clear

        post_save.connect(
            content_version_cache_clear, sender="ratings.ContentVersion", dispatch_uid="cv-save"
        )
        post_delete.connect(
            content_version_cache_clear, sender="ratings.ContentVersion", dispatch_uid="cv-del"
        )
        post_migrate.connect(content_version_cache_clear, dispatch_uid="cv-migrate")
