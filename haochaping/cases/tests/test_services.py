import pytest

from haochaping.cases.enums import ApplicantType, CaseStatus
from haochaping.cases.models import Case
from haochaping.core.exceptions import InvalidInput
from haochaping.testing.builders import make_case, make_credit_code


@pytest.mark.django_db
def test_case_with_bad_id_number_is_refused_and_not_saved(org_tree):
    with pytest.raises(InvalidInput) as exc:
        make_case(org_tree, applicant_cert_no="110105194912310021")
    assert exc.value.extra["errors"] == {
        "applicant_cert_no": ["The check digit of this citizen ID number is wrong."]
    }
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_company_applicant_needs_a_valid_credit_code(org_tree):
    ok = make_case(
        org_tree,
        applicant_type=ApplicantType.LEGAL_PERSON,
        applicant_name="拉萨某某商贸有限公司",
        applicant_cert_no=make_credit_code("540102", 77, prefix="91"),
    )
    assert ok.pk
    with pytest.raises(InvalidInput) as exc:
        make_case(
            org_tree,
            applicant_type=ApplicantType.LEGAL_PERSON,
            applicant_name="某公司",
            applicant_cert_no="11010519491231002X",
        )
    assert list(exc.value.extra["errors"]) == ["applicant_cert_no"]


@pytest.mark.django_db
def test_bad_mobile_and_duplicate_project_no_are_field_errors(org_tree):
    case = make_case(org_tree)
    with pytest.raises(InvalidInput) as exc:
        make_case(org_tree, project_no=case.project_no, applicant_mobile="123")
    assert set(exc.value.extra["errors"]) == {"project_no", "applicant_mobile"}


@pytest.mark.django_db
def test_staff_must_work_for_the_handling_unit(org_tree):
    with pytest.raises(InvalidInput) as exc:
        make_case(org_tree, item_key="cg_hukou", staff=org_tree.staff)
    assert exc.value.extra["errors"] == {
        "staff": ["The staff member does not work for the handling unit."]
    }


@pytest.mark.django_db
def test_completed_case_gets_completed_status(org_tree):
    import datetime as dt

    case = make_case(org_tree, completed_at=dt.datetime(2026, 10, 13, 3, 0, tzinfo=dt.UTC))
    assert case.status == CaseStatus.COMPLETED
