"""Every write to cases goes through these functions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haochaping.cases.enums import ApplicantType, ApplyChannel, CaseStatus
from haochaping.cases.models import Case
from haochaping.catalog.models import ServiceItem
from haochaping.core.exceptions import InvalidInput
from haochaping.core.identifiers import validate_credit_code, validate_id_number
from haochaping.core.services import validate_or_raise
from haochaping.org.models import Staff, Unit, Window


def _validate_applicant_cert(case: Case) -> None:
    if not case.applicant_cert_no:
        return
    validator = (
        validate_id_number if case.applicant_type == ApplicantType.PERSON else validate_credit_code
    )
    try:
        validator(case.applicant_cert_no)
    except ValidationError as exc:
        raise InvalidInput(
            extra={"errors": {"applicant_cert_no": [str(m) for m in exc.messages]}}
        ) from exc


def _validate_consistency(case: Case) -> None:
    errors: dict[str, list[str]] = {}
    if case.staff is not None and case.staff.unit_id != case.unit_id:
        errors["staff"] = [str(_("The staff member does not work for the handling unit."))]
    if case.status == CaseStatus.COMPLETED and case.completed_at is None:
        errors["completed_at"] = [str(_("A completed case needs its completion time."))]
    if errors:
        raise InvalidInput(extra={"errors": errors})


@transaction.atomic
def case_create(
    *,
    project_no: str,
    item: ServiceItem,
    unit: Unit,
    applicant_type: ApplicantType | str,
    applicant_name: str,
    apply_channel: ApplyChannel | str,
    accepted_at: dt.datetime,
    applicant_cert_no: str = "",
    applicant_mobile: str = "",
    window: Window | None = None,
    staff: Staff | None = None,
    promised_at: dt.datetime | None = None,
    completed_at: dt.datetime | None = None,
) -> Case:
    case = Case(
        project_no=project_no,
        item=item,
        unit=unit,
        window=window,
        staff=staff,
        applicant_type=applicant_type,
        applicant_name=applicant_name,
        applicant_cert_no=applicant_cert_no,
        applicant_mobile=applicant_mobile,
        apply_channel=apply_channel,
        accepted_at=accepted_at,
        promised_at=promised_at,
        completed_at=completed_at,
        status=CaseStatus.COMPLETED if completed_at else CaseStatus.ACCEPTED,
    )
    validate_or_raise(case)
    _validate_applicant_cert(case)
    _validate_consistency(case)
    case.save()
    return case
