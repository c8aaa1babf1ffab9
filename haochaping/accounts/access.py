"""Permission-checked lookups. No page or endpoint fetches a protected object another way.

A user's scope is either a region subtree (every unit located in the region or below it) or a
unit subtree (the unit and the units below it). Superusers see everything. A user with no
scope sees nothing. Objects outside the scope are reported as "not found", so their existence
does not leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from haochaping.accounts.enums import Role
from haochaping.cases.models import Case
from haochaping.core.exceptions import NotFound, PermissionDenied
from haochaping.org.models import Unit

if TYPE_CHECKING:
    from haochaping.accounts.models import User


def unit_scope_q(user: User, *, prefix: str = "") -> Q:
    """A filter on a Unit (or on ``<prefix>`` pointing to a Unit) restricted to ``user``'s scope."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    if user.scope_region is not None:
        return Q(**{f"{prefix}region__path__startswith": user.scope_region.path})
    if user.scope_unit is not None:
        return Q(**{f"{prefix}path__startswith": user.scope_unit.path})
    return Q(pk__in=[])


def unit_list_for(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(unit_scope_q(user))


def case_list_for(user: User) -> QuerySet[Case]:
    return Case.objects.filter(unit_scope_q(user, prefix="unit__"))


def require_role(user: User, *roles: Role) -> None:
    if user.is_superuser:
        return
    if user.role not in roles:
        raise PermissionDenied()


def access_unit(user: User, unit_id: int, *, for_update: bool = False) -> Unit:
    qs = unit_list_for(user)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=unit_id)
    except Unit.DoesNotExist:
        raise NotFound() from None


def access_case(user: User, project_no: str, *, for_update: bool = False) -> Case:
    qs = case_list_for(user).select_related("item", "unit", "window", "staff")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(project_no=project_no)
    except Case.DoesNotExist:
        raise NotFound() from None


def access_rectification(user: User, rectification_id: int, *, for_update: bool = False):
    """A rectification of a unit in ``user``'s scope, for a role that may read rectifications.

    Wrong role: PermissionDenied (403); unknown or out of scope: NotFound (404).
    """
    from haochaping.rectification.models import Rectification
    from haochaping.rectification.transitions import READ_ROLES

    if not user.is_authenticated:
        raise PermissionDenied()
    if not user.is_superuser and user.role not in READ_ROLES:
        raise PermissionDenied()
    qs = Rectification.objects.filter(unit_scope_q(user, prefix="unit__")).select_related(
        "unit__region", "case__item", "rating", "handler"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=rectification_id)
    except (Rectification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def appeal_list_for(user: User):
    """Appeals ``user`` may read (see :func:`access_appeal`); empty for other roles."""
    from haochaping.appeals.models import Appeal

    if not user.is_authenticated or not user.is_active:
        return Appeal.objects.none()
    if user.is_superuser:
        return Appeal.objects.all()
    if user.role == Role.WINDOW_STAFF:
        # The rated staff member: only appeals about their own service.
        if user.staff_id is None:
            return Appeal.objects.none()
        return Appeal.objects.filter(staff_id=user.staff_id)
    if user.role == Role.HANDLER:
        return Appeal.objects.filter(unit_scope_q(user, prefix="unit__"))
    if user.role == Role.REVIEWER:
        return Appeal.objects.filter(
            unit_scope_q(user, prefix="reviewer_unit__")
            | unit_scope_q(user, prefix="further_unit__")
        )
    if user.role == Role.LIAISON:
        return Appeal.objects.filter(
            unit_scope_q(user, prefix="unit__") | unit_scope_q(user, prefix="further_unit__")
        )
    if user.role in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN):
        return Appeal.objects.filter(unit_scope_q(user, prefix="unit__"))
    return Appeal.objects.none()


def access_appeal(user: User, appeal_id: int, *, for_update: bool = False):
    """An appeal ``user`` may read: the rated staff member their own; handlers, supervisors,
    leaders and admins by the rated unit's scope; reviewers by the reviewing unit (or the
    further-reviewing unit); liaisons by the rated unit or the further-reviewing unit.

    Not logged in or a role without appeals: PermissionDenied (403); unknown or out of scope:
    NotFound (404).
    """
    if not user.is_authenticated:
        raise PermissionDenied()
    allowed = {
        Role.WINDOW_STAFF,
        Role.HANDLER,
        Role.REVIEWER,
        Role.LIAISON,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMIN,
    }
    if not user.is_superuser and user.role not in allowed:
        raise PermissionDenied()
    qs = appeal_list_for(user).select_related(
        "unit__region",
        "reviewer_unit__region",
        "further_unit__region",
        "staff",
        "rating",
        "rectification__unit__region",
        "rectification__case__item",
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=appeal_id)
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound() from None


# --- coverage (issue 9): supplementary tasks, 综合点评, samples, mystery visits ---


def _coverage_get(user: User, qs, pk: object, roles: tuple, *, prefix: str, for_update: bool):
    if not user.is_authenticated:
        raise PermissionDenied()
    if not user.is_superuser and user.role not in roles:
        raise PermissionDenied()
    qs = qs.filter(unit_scope_q(user, prefix=prefix))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound() from None


def access_supplementary_task(user: User, task_id: object, *, for_update: bool = False):
    """A supplementary-rating task of a unit in scope (window staff, handlers, bureau, oversight)."""
    from haochaping.coverage.models import SupplementaryTask
    from haochaping.coverage.services import TASK_READERS

    qs = SupplementaryTask.objects.select_related("case__item", "unit__region", "window", "rating")
    return _coverage_get(user, qs, task_id, TASK_READERS, prefix="unit__", for_update=for_update)


def access_comment(user: User, comment_id: object, *, for_update: bool = False):
    """A 综合点评 about a unit in scope (bureau, oversight, the unit's handler)."""
    from haochaping.coverage.models import Comment
    from haochaping.coverage.services import COMMENT_READERS

    qs = Comment.objects.select_related("unit", "hall", "item", "rating", "registered_by")
    return _coverage_get(
        user, qs, comment_id, COMMENT_READERS, prefix="unit__", for_update=for_update
    )


def sample_list_for(user: User):
    """Supervision samples ``user`` may see: city-wide samples (no unit: their entries are
    filtered by scope) and samples limited to a unit in scope. None without a scope."""
    from haochaping.coverage.models import Sample

    if not user.is_authenticated or not user.is_active:
        return Sample.objects.none()
    if user.is_superuser:
        return Sample.objects.all()
    if user.scope_region_id is None and user.scope_unit_id is None:
        return Sample.objects.none()
    return Sample.objects.filter(Q(unit__isnull=True) | unit_scope_q(user, prefix="unit__"))


def access_sample(user: User, sample_id: object):
    """A supervision sample of :func:`sample_list_for` (its entries are further filtered by
    scope)."""
    from haochaping.coverage.services import SUPERVISION_READERS

    if not user.is_authenticated:
        raise PermissionDenied()
    if not user.is_superuser and user.role not in SUPERVISION_READERS:
        raise PermissionDenied()
    qs = sample_list_for(user).select_related("unit", "drawn_by")
    try:
        return qs.get(pk=sample_id)
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound() from None


def access_visit(user: User, visit_id: object):
    """A mystery visit (暗访) of a unit in scope."""
    from haochaping.coverage.models import MysteryVisit
    from haochaping.coverage.services import SUPERVISION_READERS

    qs = MysteryVisit.objects.select_related("unit", "hall", "item", "inspector")
    return _coverage_get(user, qs, visit_id, SUPERVISION_READERS, prefix="unit__", for_update=False)
