"""Background entry points of appeals: take ids, load, call one service."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from haochaping.appeals import services
from haochaping.rectification.models import Rectification


@task()
def deliver_missing_notices(limit: int = 1000) -> int:
    """Deliver the notice of rectifications opened while this app was not installed (counted
    from the rectification's opening). Returns how many were delivered."""
    ids = list(Rectification.objects.filter(appeal_notice__isnull=True)
               .order_by("pk").values_list("pk", flat=True)[:limit])
    for rectification_id in ids:
        r = Rectification.objects.select_related("unit__region", "rating", "case__item").get(
            pk=rectification_id)
        with transaction.atomic():
            services.notice_ensure(r)
    return len(ids)
