"""Reads of appeals: who may file from which notice, reviewer and bureau queues, figures.

Nothing here returns the evaluator's identity: the rated staff member's pages and API are built
from these reads (see docs/appeals.md, "What the rated staff member sees").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from haochaping.accounts.access import access_rectification, appeal_list_for
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.appeals.enums import Outcome, Status
from haochaping.appeals.models import Appeal, AppealEvent, AppealEvidence, RectificationNotice
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import NotFound, PermissionDenied
from haochaping.org.models import Unit
from haochaping.rectification.models import Rectification

OPEN_STATUSES = (Status.PENDING, Status.FURTHER_REVIEW)


def unit_in_scope(user: Any, unit: Unit) -> bool:
    if user.is_superuser:
        return True
    if user.scope_region_id is not None:
        return unit.region.path.startswith(user.scope_region.path)
    if user.scope_unit_id is not None:
        return unit.path.startswith(user.scope_unit.path)
    return False


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(p) for p in reversed(unit.path.strip("/").split("/")) if p.isdigit()]


def _region_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def reviewers_of(unit: Unit, *, roles: Iterable[Role] = (Role.REVIEWER,)) -> QuerySet[User]:
    """Active users of ``roles`` whose scope covers ``unit``, the nearest first: a unit scope on
    the unit or an ancestor, else a region scope covering the unit's region (nearest region)."""
    users = User.objects.filter(is_active=True, role__in=list(roles))
    for unit_id in _ancestor_ids(unit):
        found = users.filter(scope_unit_id=unit_id)
        if found.exists():
            return found
    for path in reversed(_region_paths(unit.region.path)):
        found = users.filter(scope_region__path=path)
        if found.exists():
            return found
    return users.none()


def rectification_for_appellant(
    user: Any, rectification_id: int, *, for_update: bool = False
) -> Rectification:
    """The rectification a user may appeal: the rated staff member only their own (the rating
    names their staff record); a handler any in scope. Others: 403; unknown: 404."""
    if not user.is_authenticated:
        raise PermissionDenied()
    if user.role == Role.WINDOW_STAFF and not user.is_superuser:
        if user.staff_id is None:
            raise NotFound()
        qs = Rectification.objects.filter(rating__staff_id=user.staff_id).select_related(
            "unit__region", "case__item", "rating"
        )
        if for_update:
            qs = qs.select_for_update(of=("self",))
        r = qs.filter(pk=rectification_id).first() if str(rectification_id).isdigit() else None
        if r is None:
            raise NotFound()
        return r
    if user.role != Role.HANDLER and not user.is_superuser:
        raise PermissionDenied()
    return access_rectification(user, rectification_id, for_update=for_update)


def notices_for_staff(user: Any) -> QuerySet[RectificationNotice]:
    """The rated staff member's rectification notices, newest first."""
    if not user.is_authenticated or user.staff_id is None:
        return RectificationNotice.objects.none()
    return (
        RectificationNotice.objects.filter(staff_id=user.staff_id)
        .select_related(
            "rectification__case__item",
            "rectification__unit",
            "rectification__appeal",
            "rectification__rating",
        )
        .order_by("-delivered_at", "-pk")
    )


def appeal_queue(user: Any, *, status: str = "") -> QuerySet[Appeal]:
    """Appeals in the user's reach; a reviewer sees what is routed to their reviewing units."""
    qs = appeal_list_for(user).select_related(
        "unit", "reviewer_unit", "further_unit", "staff", "rectification__case__item"
    )
    if user.role == Role.REVIEWER and not user.is_superuser:
        from haochaping.accounts.access import unit_scope_q

        qs = qs.filter(unit_scope_q(user, prefix="reviewer_unit__"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("decision_due_at", "pk")


def further_queue(user: Any) -> QuerySet[Appeal]:
    """The city bureau's further reviews in the user's scope, earliest deadline first."""
    from haochaping.accounts.access import unit_scope_q

    return (
        appeal_list_for(user)
        .filter(unit_scope_q(user, prefix="further_unit__"))
        .filter(status__in=[Status.FURTHER_REVIEW, Status.FINAL])
        .select_related("unit", "reviewer_unit", "further_unit", "rectification__case__item")
        .order_by("status", "further_due_at", "pk")
    )


def timeline(a: Appeal) -> QuerySet[AppealEvent]:
    return (
        AppealEvent.objects.filter(appeal=a)
        .prefetch_related("evidence")
        .order_by("created_at", "pk")
    )


def evidence_list(a: Appeal) -> QuerySet[AppealEvidence]:
    return AppealEvidence.objects.filter(appeal=a).order_by("pk")


# --- figures ---------------------------------------------------------------------------------

FIGURE_KEYS = (
    "filed",
    "pending",
    "decided",
    "decided_on_time",
    "decided_late",
    "overdue",
    "upheld",
    "explanation",
    "not_adopted",
    "further_requested",
    "further_decided",
    "further_changed",
)

DEFINITIONS = {
    "filed": "appeals filed in the period (filed_at)",
    "pending": "awaiting the first decision",
    "decided": "first decision made",
    "decided_on_time": "first decision made by its due time (7 working days)",
    "decided_late": "first decision made after its due time",
    "overdue": "awaiting the first decision past its due time now",
    "upheld": "outcome in force: upheld (rating stands)",
    "explanation": "outcome in force: explanation to the citizen",
    "not_adopted": "outcome in force: rating not adopted (excluded from results)",
    "further_requested": "a further review by the city bureau was asked for",
    "further_decided": "the further review is decided",
    "further_changed": "the further review changed the outcome",
}


def _figure_annotations(now: dt.datetime) -> dict[str, Any]:
    return {
        "filed": Count("pk"),
        "pending": Count("pk", filter=Q(status=Status.PENDING)),
        "decided": Count("pk", filter=Q(decided_at__isnull=False)),
        "decided_on_time": Count(
            "pk", filter=Q(decided_at__isnull=False, decided_at__lte=F("decision_due_at"))
        ),
        "decided_late": Count(
            "pk", filter=Q(decided_at__isnull=False, decided_at__gt=F("decision_due_at"))
        ),
        "overdue": Count("pk", filter=Q(status=Status.PENDING, decision_due_at__lt=now)),
        "upheld": Count("pk", filter=Q(final_outcome=Outcome.UPHELD)),
        "explanation": Count("pk", filter=Q(final_outcome=Outcome.EXPLANATION)),
        "not_adopted": Count("pk", filter=Q(final_outcome=Outcome.NOT_ADOPTED)),
        "further_requested": Count("pk", filter=Q(further_requested_at__isnull=False)),
        "further_decided": Count("pk", filter=Q(further_decided_at__isnull=False)),
        "further_changed": Count(
            "pk", filter=Q(further_decided_at__isnull=False) & ~Q(further_outcome=F("outcome"))
        ),
    }


def appeal_figures(
    user: Any,
    *,
    by: str = "unit",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Appeals filed, decided on time, outcomes and further reviews, by rated unit or by
    reviewing unit (``by="reviewer"``), over the appeals the user may read. One query for the
    rows, one for the totals."""
    now = now or clock_now()
    qs = appeal_list_for(user)
    if since is not None:
        qs = qs.filter(filed_at__gte=since)
    if until is not None:
        qs = qs.filter(filed_at__lt=until)
    field = "reviewer_unit" if by == "reviewer" else "unit"
    annotations = _figure_annotations(now)
    rows = list(
        qs.values(f"{field}_id", f"{field}__name")
        .annotate(**annotations)
        .order_by(f"{field}__name", f"{field}_id")
    )
    totals = qs.aggregate(**annotations)
    return {
        "by": "reviewer" if by == "reviewer" else "unit",
        "rows": [
            {
                "unit_id": row[f"{field}_id"],
                "unit": row[f"{field}__name"],
                **{k: row[k] for k in FIGURE_KEYS},
            }
            for row in rows
        ],
        "totals": {k: totals[k] or 0 for k in FIGURE_KEYS},
        "definitions": DEFINITIONS,
    }
