"""The results app's hand-made October 2026 dataset (known counts), reused for the reports."""

from __future__ import annotations

import datetime as dt

import pytest

from haochaping.accounts.enums import Role
from haochaping.results.tests.conftest import _TRAVELLER, NOW, build_dataset, clock  # noqa: F401
from haochaping.testing.builders import make_user


@pytest.fixture
def dataset(org_tree, clock):  # noqa: F811
    from haochaping.results.services import case_counts_refresh

    _TRAVELLER.append(clock)
    try:
        data = build_dataset(org_tree)
    finally:
        _TRAVELLER.pop()
        clock.move_to(NOW)
    case_counts_refresh(start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 6))
    return data


@pytest.fixture
def liaison(db):
    return make_user("liaison1", Role.LIAISON)


@pytest.fixture
def supervisor(db):
    return make_user("supervisor1", Role.SUPERVISOR)
