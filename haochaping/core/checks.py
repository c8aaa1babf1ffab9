"""System checks for configuration problems, with stable ids."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.INSECURE_DEMO_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the built-in demo key.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="core.E001",
            )
        ]
    return []
