"""Every write to org tables goes through these functions."""

from __future__ import annotations

from django.db import transaction

from haochaping.core.services import validate_or_raise
from haochaping.org.enums import RegionLevel, UnitKind
from haochaping.org.models import Hall, Region, Staff, Unit, Window


@transaction.atomic
def region_create(
    *,
    code: str,
    name: str,
    level: RegionLevel | str,
    parent: Region | None = None,
    name_bo: str = "",
) -> Region:
    region = Region(code=code, name=name, name_bo=name_bo, level=level, parent=parent)
    region.path = f"{parent.path if parent else '/'}{code}/"
    validate_or_raise(region)
    region.save()
    return region


@transaction.atomic
def unit_create(
    *,
    name: str,
    kind: UnitKind | str,
    credit_code: str,
    region: Region,
    parent: Unit | None = None,
    name_bo: str = "",
    short_name: str = "",
    is_service_administration: bool = False,
) -> Unit:
    unit = Unit(
        name=name,
        name_bo=name_bo,
        short_name=short_name,
        kind=kind,
        credit_code=credit_code,
        region=region,
        parent=parent,
        is_service_administration=is_service_administration,
    )
    unit.path = "pending"
    validate_or_raise(unit)
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def hall_create(
    *, name: str, region: Region, operator: Unit | None = None, name_bo: str = "", address: str = ""
) -> Hall:
    hall = Hall(name=name, name_bo=name_bo, region=region, operator=operator, address=address)
    validate_or_raise(hall)
    hall.save()
    return hall


@transaction.atomic
def window_create(
    *, hall: Hall, number: str, name: str, unit: Unit, bilingual: bool = False
) -> Window:
    window = Window(hall=hall, number=number, name=name, unit=unit, bilingual=bilingual)
    validate_or_raise(window)
    window.save()
    return window


@transaction.atomic
def staff_create(
    *, unit: Unit, name: str, staff_no: str, window: Window | None = None, mobile: str = ""
) -> Staff:
    staff = Staff(unit=unit, name=name, staff_no=staff_no, window=window, mobile=mobile)
    validate_or_raise(staff)
    staff.save()
    return staff
