import pytest

from haochaping.accounts.access import (
    access_case,
    access_unit,
    case_list_for,
    require_role,
    unit_list_for,
)
from haochaping.accounts.enums import Role
from haochaping.core.exceptions import NotFound, PermissionDenied
from haochaping.testing.builders import make_case, make_user


@pytest.fixture
def cases(org_tree):
    return {
        "city": make_case(org_tree, item_key="id_card"),
        "chengguan": make_case(org_tree, item_key="cg_hukou"),
    }


@pytest.mark.django_db
def test_city_liaison_sees_every_unit_in_lhasa(org_tree, cases):
    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    assert set(case_list_for(liaison)) == set(cases.values())
    assert access_case(liaison, cases["chengguan"].project_no) == cases["chengguan"]


@pytest.mark.django_db
def test_county_handler_never_reaches_a_city_case(org_tree, cases):
    handler = make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    assert list(case_list_for(handler)) == [cases["chengguan"]]
    with pytest.raises(NotFound):
        access_case(handler, cases["city"].project_no)
    with pytest.raises(NotFound):
        access_unit(handler, org_tree.police.pk)
    assert access_unit(handler, org_tree.cg_police.pk) == org_tree.cg_police


@pytest.mark.django_db
def test_department_handler_scope_is_the_unit_subtree(org_tree, cases):
    handler = make_user("police", Role.HANDLER, scope_unit=org_tree.police)
    assert set(unit_list_for(handler)) == {org_tree.police}
    assert list(case_list_for(handler)) == [cases["city"]]
    with pytest.raises(NotFound):
        access_case(handler, cases["chengguan"].project_no)


@pytest.mark.django_db
def test_user_without_scope_sees_nothing_and_inactive_user_sees_nothing(org_tree, cases):
    nobody = make_user("nobody", Role.LEADER)
    assert not case_list_for(nobody).exists()
    inactive = make_user("gone", Role.LIAISON, scope_region=org_tree.lhasa)
    inactive.is_active = False
    assert not case_list_for(inactive).exists()


@pytest.mark.django_db
def test_require_role(org_tree):
    leader = make_user("leader", Role.LEADER, scope_region=org_tree.lhasa)
    require_role(leader, Role.LEADER, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        require_role(leader, Role.HANDLER)


@pytest.mark.django_db
def test_unknown_case_is_not_found(org_tree):
    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    with pytest.raises(NotFound):
        access_case(liaison, "no-such-case")
