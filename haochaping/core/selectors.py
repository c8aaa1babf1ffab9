from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from haochaping.accounts.access import case_list_for, unit_list_for
from haochaping.cases.enums import CaseStatus


def home_summary(user: Any) -> dict[str, Any]:
    """What a signed-in user sees first: their scope in numbers (two queries)."""
    cases = case_list_for(user).aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=CaseStatus.COMPLETED)),
        open=Count("pk", filter=Q(status=CaseStatus.ACCEPTED)),
    )
    return {"units": unit_list_for(user).count(), **cases}
