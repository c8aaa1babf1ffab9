import pytest

from haochaping.workdays import cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    cache.reset()
    yield
    cache.reset()


@pytest.fixture
def shipped(db):
    """The shipped official calendar, loaded through the real service (idempotent)."""
    from haochaping.workdays.services import calendar_load_shipped

    return calendar_load_shipped()


@pytest.fixture
def liaison(db):
    from haochaping.accounts.enums import Role
    from haochaping.testing.builders import make_user

    return make_user("liaison", Role.LIAISON)
