"""Register or update a case by its number (``projectNo``), for business systems that push cases.

Idempotent: sending the same case again changes nothing; sending it with a completion time
completes it. The service item and handling unit of an existing case cannot change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from haochaping.cases.enums import CaseStatus
from haochaping.cases.models import Case
from haochaping.cases.services import _validate_applicant_cert, _validate_consistency, case_create
from haochaping.core.exceptions import InvalidInput
from haochaping.core.services import validate_or_raise

UPDATABLE = (
    "applicant_type",
    "applicant_name",
    "applicant_cert_no",
    "applicant_mobile",
    "apply_channel",
    "accepted_at",
    "promised_at",
    "completed_at",
    "window",
    "staff",
)


def case_upsert(*, project_no: str, **fields: Any) -> tuple[Case, bool]:
    """Create the case or bring it up to date; returns ``(case, created)``.

    ``fields`` are case_create's keyword arguments. Two simultaneous first pushes of one case
    both succeed: the loser of the insert race updates the winner's row.
    """
    for _attempt in range(2):
        existing = Case.objects.filter(project_no=project_no).exists()
        if not existing:
            try:
                return case_create(project_no=project_no, **fields), True
            except IntegrityError:
                continue  # created meanwhile by someone else: update it
        return _case_update(project_no=project_no, **fields), False
    return _case_update(project_no=project_no, **fields), False


@transaction.atomic
def _case_update(
    *, project_no: str, item: Any, unit: Any, completed_at: dt.datetime | None = None, **fields: Any
) -> Case:
    case = Case.objects.select_for_update().get(project_no=project_no)
    errors: dict[str, list[str]] = {}
    if item.pk != case.item_id:
        errors["item"] = [str(_("The service item of a registered case cannot change."))]
    if unit.pk != case.unit_id:
        errors["unit"] = [str(_("The handling unit of a registered case cannot change."))]
    if (
        case.completed_at is not None
        and completed_at is not None
        and completed_at != case.completed_at
    ):
        errors["completed_at"] = [str(_("The case is already completed at another time."))]
    if errors:
        raise InvalidInput(extra={"errors": errors})
    changed = []
    for name, value in {**fields, "completed_at": completed_at or case.completed_at}.items():
        if name not in UPDATABLE:
            continue
        current = getattr(case, name)
        if current != value:
            setattr(case, name, value)
            changed.append(name)
    if case.completed_at is not None and case.status == CaseStatus.ACCEPTED:
        case.status = CaseStatus.COMPLETED
        changed.append("status")
    if changed:
        validate_or_raise(case)
        _validate_applicant_cert(case)
        _validate_consistency(case)
        case.save(update_fields=[*changed, "updated_at"])
    return case
