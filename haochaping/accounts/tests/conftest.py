import pytest


@pytest.fixture
def enforced(settings):
    """The production account policy: django-axes on, the second factor enforced."""
    settings.AXES_ENABLED = True
    settings.HAOCHAPING_ACCOUNTS = {
        **settings.HAOCHAPING_ACCOUNTS,
        "ENFORCE_SECOND_FACTOR": True,
    }


@pytest.fixture
def client():
    """Pages in English, so assertions read as the msgids do."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})
