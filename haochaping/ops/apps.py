from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operator commands only (no models, no pages): backup and restore."""

    name = "haochaping.ops"
    label = "ops"
    verbose_name = "Operations"
