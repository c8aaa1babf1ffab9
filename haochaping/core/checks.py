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


@register(Tags.security, deploy=True)
def check_data_keys(app_configs, **kwargs):
    """Citizens' identifiers must not be encrypted under the key derived from SECRET_KEY."""
    from django.core.exceptions import ImproperlyConfigured

    from haochaping.core import crypto

    try:
        parsed = crypto.parse_keys(settings.HAOCHAPING_DATA_KEYS)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="core.E003")]
    if not parsed:
        return [
            Error(
                "HAOCHAPING_DATA_KEYS is not set: citizen data would be encrypted with a key"
                " derived from SECRET_KEY.",
                hint="Generate a key with `haochaping data-keys generate ID` and set"
                " HAOCHAPING_DATA_KEYS=ID:KEY.",
                id="core.E002",
            )
        ]
    return []
