"""Whose identity each record carries, who may reveal it, and how the record is fetched in scope.

A *target* is a kind of record that shows a citizen on a staff page. Every target names the roles
that need the full value for their work (the handler contacting the citizen, the liaison calling
back, the supervision office's callback interviews, window staff collecting a supplementary
rating of an unrated case). ``evaluator=True`` marks identities that are (or may become) an
evaluator's: the rated staff (window staff role) never see those, whatever the table says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from haochaping.accounts.access import unit_scope_q
from haochaping.accounts.enums import Role
from haochaping.core.exceptions import NotFound
from haochaping.results.masking import mask_cert, mask_mobile, mask_name


@dataclass(frozen=True)
class Identity:
    name: str = ""
    mobile: str = ""
    cert_no: str = ""

    @property
    def present(self) -> bool:
        return bool(self.name or self.mobile or self.cert_no)

    @property
    def fields(self) -> list[str]:
        return [f for f in ("name", "mobile", "cert_no") if getattr(self, f)]

    def masked(self) -> Identity:
        return Identity(mask_name(self.name), mask_mobile(self.mobile), mask_cert(self.cert_no))


@dataclass(frozen=True)
class Target:
    name: str
    roles: frozenset[str]
    evaluator: bool
    load: Callable[[Any, Any], Any]
    identity: Callable[[Any], Identity]


def _get(qs, pk: Any):
    try:
        return qs.get(pk=pk)
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound() from None


def _rating(user, pk):
    from haochaping.ratings.models import Rating

    return _get(Rating.objects.filter(unit_scope_q(user, prefix="unit__")), pk)


def _rating_identity(rating) -> Identity:
    if rating is None or rating.is_anonymous:
        return Identity()
    return Identity(rating.evaluator_name, rating.evaluator_mobile, rating.evaluator_cert_no)


def _case_identity(case) -> Identity:
    if case is None:
        return Identity()
    return Identity(case.applicant_name, case.applicant_mobile, case.applicant_cert_no)


def _task(user, pk):
    from haochaping.coverage.models import SupplementaryTask

    qs = SupplementaryTask.objects.select_related("case").filter(
        unit_scope_q(user, prefix="unit__")
    )
    return _get(qs, pk)


def _task_identity(task) -> Identity:
    # Only while the case is unrated: once rated, the applicant is an evaluator.
    if task.rating_id is not None or task.case.ratings.exists():
        return Identity()
    case = task.case
    return Identity(case.applicant_name, case.applicant_mobile)


def _comment(user, pk):
    from haochaping.coverage.models import Comment

    return _get(Comment.objects.filter(unit_scope_q(user, prefix="unit__")), pk)


def _comment_identity(comment) -> Identity:
    return Identity(comment.submitter_name, comment.submitter_mobile)


def _sample_entry(user, pk):
    from haochaping.coverage.models import SampleEntry

    qs = SampleEntry.objects.select_related("rating__case").filter(
        unit_scope_q(user, prefix="unit__")
    )
    return _get(qs, pk)


def _sample_entry_identity(entry) -> Identity:
    own = _rating_identity(entry.rating)
    if own.present or entry.rating is None or entry.rating.is_anonymous:
        return own
    return _case_identity(entry.rating.case)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            "rating",
            frozenset({Role.HANDLER, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN}),
            True,
            _rating,
            _rating_identity,
        ),
        Target(
            "task",
            frozenset({Role.WINDOW_STAFF, Role.HANDLER, Role.LIAISON, Role.ADMIN}),
            False,
            _task,
            _task_identity,
        ),
        Target(
            "comment",
            frozenset({Role.HANDLER, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN}),
            True,
            _comment,
            _comment_identity,
        ),
        Target(
            "sample-entry",
            frozenset({Role.LIAISON, Role.SUPERVISOR, Role.ADMIN}),
            True,
            _sample_entry,
            _sample_entry_identity,
        ),
    )
}

# Who reads the reveal log (the supervision office oversees the liaison and the handlers).
LOG_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_reveal(user: Any, target: Target) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if target.evaluator and user.role == Role.WINDOW_STAFF:
        return False  # the rated staff never see an evaluator, not even a superuser account
    return user.is_superuser or user.role in target.roles
