import pytest

from haochaping.core.exceptions import InvalidInput
from haochaping.org.enums import RegionLevel, UnitKind
from haochaping.org.models import Region, Unit
from haochaping.org.selectors import unit_list_in_region, unit_subtree
from haochaping.org.services import region_create, unit_create
from haochaping.testing.builders import make_credit_code


@pytest.mark.django_db
def test_bad_credit_code_is_refused_naming_the_field_and_nothing_is_saved(org_tree):
    # given
    before = Unit.objects.count()
    # when
    with pytest.raises(InvalidInput) as exc:
        unit_create(
            name="拉萨市税务局",
            kind=UnitKind.DEPARTMENT,
            credit_code="11540100000000000X",
            region=org_tree.lhasa,
        )
    # then
    assert exc.value.status == 422
    assert exc.value.extra["errors"] == {
        "credit_code": ["The check character of this unified social credit code is wrong."]
    }
    assert Unit.objects.count() == before


@pytest.mark.django_db
def test_bad_region_code_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as exc:
        region_create(code="54010", name="错误", level=RegionLevel.CITY)
    assert exc.value.extra["errors"] == {"code": ["A region code has 6, 9 or 12 digits."]}
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_duplicate_credit_code_is_refused(org_tree):
    with pytest.raises(InvalidInput) as exc:
        unit_create(
            name="重复",
            kind=UnitKind.DEPARTMENT,
            credit_code=org_tree.police.credit_code,
            region=org_tree.lhasa,
        )
    assert list(exc.value.extra["errors"]) == ["credit_code"]


@pytest.mark.django_db
def test_subtrees_follow_regions_and_parents(org_tree):
    in_lhasa = set(unit_list_in_region(org_tree.lhasa))
    in_chengguan = set(unit_list_in_region(org_tree.chengguan))
    assert {org_tree.police, org_tree.cg_police, org_tree.dx_gov} <= in_lhasa
    assert in_chengguan == {org_tree.cg_gov, org_tree.cg_police}
    assert set(unit_subtree(org_tree.city_gov)) == {
        org_tree.city_gov,
        org_tree.bureau,
        org_tree.police,
    }
    assert org_tree.chengguan.path == "/540000/540100/540102/"


@pytest.mark.django_db
def test_credit_codes_unique_per_unit_even_with_same_serial_in_other_region(org_tree):
    unit = unit_create(
        name="当雄县公安局",
        kind=UnitKind.DEPARTMENT,
        credit_code=make_credit_code("540122", 424242),
        region=org_tree.damxung,
        parent=org_tree.dx_gov,
    )
    assert unit.path == f"{org_tree.dx_gov.path}{unit.pk}/"
