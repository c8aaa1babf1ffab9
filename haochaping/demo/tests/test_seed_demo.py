import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.cases.models import Case
from haochaping.catalog.models import ServiceItem
from haochaping.org.enums import RegionLevel, UnitKind
from haochaping.org.models import Region, Unit, Window


def seed(**options):
    out = io.StringIO()
    call_command(
        "seed_demo", months=1, scale=0.005, until=dt.date(2026, 10, 31), stdout=out, **options
    )
    return out.getvalue()


def snapshot():
    return list(
        Case.objects.order_by("project_no").values_list(
            "project_no",
            "item__task_code",
            "unit__credit_code",
            "applicant_cert_no",
            "accepted_at",
            "completed_at",
        )
    )


@pytest.mark.django_db
def test_demo_has_lhasa_org_catalog_users_and_cases():
    # when
    out = seed()
    # then: the city, 8 districts/counties, 4 coded parks
    assert Region.objects.get(code="540100").name == "拉萨市"
    assert Region.objects.filter(level=RegionLevel.COUNTY, parent__code="540100").count() == 8
    assert set(Region.objects.filter(level=RegionLevel.PARK).values_list("code", flat=True)) == {
        "540171",
        "540172",
        "540173",
        "540174",
    }
    city_departments = Unit.objects.filter(region__code="540100", parent__name="拉萨市人民政府")
    assert 22 <= city_departments.count() <= 26
    assert Unit.objects.filter(kind=UnitKind.PARK_COMMITTEE).count() == 6
    assert Unit.objects.filter(is_service_administration=True).count() == 9  # city + 8 counties
    assert 280 <= ServiceItem.objects.count() <= 360
    assert Window.objects.filter(hall__region__code="540122").exists()
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # October 2026 has 16 working days by the weekday rule (or 17 with the real calendar)
    assert 300 <= Case.objects.count() <= 1000
    assert Case.objects.filter(apply_channel="online").exists()
    assert "Lhasa-liaison-2026" in out
    # and a second run refuses, or skips with --if-empty
    with pytest.raises(CommandError, match="already has data"):
        seed()
    assert "not loaded" in seed(if_empty=True)


class _Rollback(Exception):
    pass


def seeded_snapshot(seed_value):
    """Seed inside a savepoint, take a snapshot, roll the savepoint back."""
    try:
        with transaction.atomic():
            seed(seed=seed_value)
            result = snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Region.objects.exists()
    return result


@pytest.mark.django_db
def test_demo_is_deterministic_for_a_seed():
    first = seeded_snapshot(7)
    again = seeded_snapshot(7)
    assert first == again
    assert len(first) > 300


@pytest.mark.django_db
def test_bad_options_are_refused():
    with pytest.raises(CommandError, match=r"--months must be between 1 and 120\."):
        call_command("seed_demo", months=0)
