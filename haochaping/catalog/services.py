from __future__ import annotations

from django.db import transaction

from haochaping.catalog.enums import CaseType, ItemType
from haochaping.catalog.models import ServiceItem
from haochaping.core.services import validate_or_raise
from haochaping.org.models import Unit


@transaction.atomic
def service_item_create(
    *,
    task_code: str,
    name: str,
    item_type: ItemType | str,
    unit: Unit,
    case_type: CaseType | str,
    online_capable: bool = False,
    promised_days: int = 0,
    legal_days: int = 0,
    name_bo: str = "",
) -> ServiceItem:
    item = ServiceItem(
        task_code=task_code,
        name=name,
        name_bo=name_bo,
        item_type=item_type,
        unit=unit,
        case_type=case_type,
        online_capable=online_capable,
        promised_days=promised_days,
        legal_days=legal_days,
    )
    validate_or_raise(item)
    item.save()
    return item
