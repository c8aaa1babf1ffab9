"""Builders for tests: reach states through the real services, never by writing rows directly."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from haochaping.accounts.enums import Role
from haochaping.accounts.services import user_create
from haochaping.cases.enums import ApplicantType, ApplyChannel
from haochaping.cases.services import case_create
from haochaping.catalog.enums import CaseType, ItemType
from haochaping.catalog.services import service_item_create
from haochaping.core.identifiers import (
    credit_code_check_char,
    id_number_check_char,
    org_code_check_char,
)
from haochaping.org.enums import RegionLevel, UnitKind
from haochaping.org.models import Region, Unit
from haochaping.org.services import (
    hall_create,
    region_create,
    staff_create,
    unit_create,
    window_create,
)

_seq = itertools.count(1)


def make_credit_code(region_code: str, serial: int, *, prefix: str = "11") -> str:
    """A valid unified social credit code: prefix + region + organisation code + check."""
    org8 = f"{serial:08d}"
    first17 = f"{prefix}{region_code[:6]}{org8}{org_code_check_char(org8)}"
    return first17 + credit_code_check_char(first17)


def make_id_number(region_code: str, birth: dt.date, serial: int) -> str:
    first17 = f"{region_code[:6]}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


@dataclass
class OrgTree:
    tibet: Region
    lhasa: Region
    chengguan: Region
    damxung: Region
    city_gov: Unit
    bureau: Unit
    police: Unit
    cg_gov: Unit
    cg_police: Unit
    dx_gov: Unit
    items: dict[str, Any]
    hall: Any
    window: Any
    staff: Any


def build_org_tree() -> OrgTree:
    tibet = region_create(code="540000", name="西藏自治区", level=RegionLevel.PROVINCE)
    lhasa = region_create(code="540100", name="拉萨市", level=RegionLevel.CITY, parent=tibet)
    chengguan = region_create(code="540102", name="城关区", level=RegionLevel.COUNTY, parent=lhasa)
    damxung = region_create(code="540122", name="当雄县", level=RegionLevel.COUNTY, parent=lhasa)
    n = next(_seq) * 100
    city_gov = unit_create(
        name="拉萨市人民政府",
        kind=UnitKind.GOVERNMENT,
        credit_code=make_credit_code("540100", n + 1),
        region=lhasa,
    )
    bureau = unit_create(
        name="拉萨市行政审批和便民服务局",
        kind=UnitKind.DEPARTMENT,
        credit_code=make_credit_code("540100", n + 2),
        region=lhasa,
        parent=city_gov,
        is_service_administration=True,
    )
    police = unit_create(
        name="拉萨市公安局",
        kind=UnitKind.DEPARTMENT,
        credit_code=make_credit_code("540100", n + 3),
        region=lhasa,
        parent=city_gov,
    )
    cg_gov = unit_create(
        name="城关区人民政府",
        kind=UnitKind.GOVERNMENT,
        credit_code=make_credit_code("540102", n + 4),
        region=chengguan,
    )
    cg_police = unit_create(
        name="城关区公安分局",
        kind=UnitKind.DEPARTMENT,
        credit_code=make_credit_code("540102", n + 5),
        region=chengguan,
        parent=cg_gov,
    )
    dx_gov = unit_create(
        name="当雄县人民政府",
        kind=UnitKind.GOVERNMENT,
        credit_code=make_credit_code("540122", n + 6),
        region=damxung,
    )
    items = {
        "id_card": service_item_create(
            task_code=f"T{n}-ID",
            name="居民身份证申领",
            item_type=ItemType.PUBLIC_SERVICE,
            unit=police,
            case_type=CaseType.PROMISED,
            promised_days=20,
        ),
        "cg_hukou": service_item_create(
            task_code=f"T{n}-HK",
            name="户口迁移",
            item_type=ItemType.ADMINISTRATIVE_CONFIRMATION,
            unit=cg_police,
            case_type=CaseType.IMMEDIATE,
            online_capable=True,
        ),
    }
    hall = hall_create(name="拉萨市政务服务中心", region=lhasa, operator=bureau)
    window = window_create(
        hall=hall, number="A01", name="公安综合窗口", unit=police, bilingual=True
    )
    staff = staff_create(
        unit=police, name="扎西顿珠", staff_no="P001", window=window, mobile="13800000001"
    )
    return OrgTree(
        tibet,
        lhasa,
        chengguan,
        damxung,
        city_gov,
        bureau,
        police,
        cg_gov,
        cg_police,
        dx_gov,
        items,
        hall,
        window,
        staff,
    )


def make_case(
    tree: OrgTree, *, item_key: str = "id_card", unit: Unit | None = None, **overrides: Any
):
    item = tree.items[item_key]
    fields: dict[str, Any] = {
        "project_no": f"540100-{next(_seq):08d}",
        "item": item,
        "unit": unit or item.unit,
        "applicant_type": ApplicantType.PERSON,
        "applicant_name": "卓玛",
        "applicant_cert_no": make_id_number("540102", dt.date(1990, 5, 17), next(_seq)),
        "applicant_mobile": "13900000000",
        "apply_channel": ApplyChannel.WINDOW,
        "accepted_at": dt.datetime(2026, 10, 12, 10, 0, tzinfo=dt.UTC),
    }
    fields.update(overrides)
    return case_create(**fields)


TEST_PASSWORD = "Test-pass-2026!"  # noqa: S105


def make_user(username: str, role: Role, *, password: str = TEST_PASSWORD, **scope: Any):
    return user_create(username=username, password=password, role=role, **scope)
