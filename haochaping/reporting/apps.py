from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "haochaping.reporting"
    label = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haochaping.reporting import messages  # noqa: F401  (registers notification templates)
