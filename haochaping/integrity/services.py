"""Every write of the integrity app: storing findings, and the bureau's review decisions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput, InvalidTransition
from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.events import CLEARED, CONFIRMED, FLAGGED, rating_event_record
from haochaping.integrity.models import Flag, Review
from haochaping.ratings.models import Rating
from haochaping.ratings.services import rating_exclude

DECIDERS = (Role.LIAISON, Role.ADMIN)
REASON_MAX = 300


def _flag(rating_id: int, unit_id: int, check: Any, finding: Any, at, details: dict) -> bool:
    """Add one check's flag to the rating's review (opening it); False if already flagged."""
    review = Review.objects.filter(rating_id=rating_id).first()
    if review is None:
        review = Review.objects.create(
            rating_id=rating_id, unit_id=unit_id, score=finding.score, opened_at=at
        )
    elif finding.score > review.score:
        Review.objects.filter(pk=review.pk).update(score=finding.score)
    if Flag.objects.filter(review=review, check_code=check.code).exists():
        return False
    Flag.objects.create(
        review=review,
        check_code=check.code,
        outcome=finding.outcome,
        score=finding.score,
        details=details,
        created_at=at,
    )
    return True


@transaction.atomic(savepoint=False)  # called inside the rating's transaction: no savepoint
def findings_record(*, rating: Rating, findings: list, acting_user: Any = None) -> Review:
    """Store the checks' flags on the new ``rating`` (and on the earlier ratings of a group
    whose threshold this rating crossed): one review row, one flag row per check."""
    at = now()
    review = Review.objects.create(
        rating=rating,
        unit_id=rating.unit_id,
        score=max(f.score for _c, f in findings),
        opened_at=at,
    )
    Flag.objects.bulk_create(
        Flag(
            review=review,
            check_code=c.code,
            outcome=f.outcome,
            score=f.score,
            details=f.details,
            created_at=at,
        )
        for c, f in findings
    )
    rating_event_record(
        rating=rating,
        type=FLAGGED,
        acting_user=acting_user,
        payload={"checks": [c.code for c, _f in findings], "score": review.score},
    )
    for check, finding in findings:
        if not finding.also:
            continue
        for other_id, unit_id in Rating.objects.filter(pk__in=finding.also).values_list(
            "id", "unit_id"
        ):
            details = {**finding.details, "group_of": rating.receipt}
            if _flag(other_id, unit_id, check, finding, at, details):
                rating_event_record(
                    rating=Rating(pk=other_id),
                    type=FLAGGED,
                    payload={"checks": [check.code], "group_of": rating.receipt},
                )
    return review


def _lock_open(review: Review) -> Review:
    review = Review.objects.select_for_update().select_related("rating").get(pk=review.pk)
    if review.status != ReviewStatus.OPEN:
        raise InvalidTransition(_("This flagged rating was already decided."))
    return review


@transaction.atomic
def review_confirm(*, review: Review, reason: str, acting_user: Any) -> Review:
    """Confirm the flags: the rating is excluded (kept, but out of every count) with the reason."""
    require_role(acting_user, *DECIDERS)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            extra={"errors": {"reason": [str(_("Give a reason for excluding the rating."))]}}
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            extra={
                "errors": {"reason": [str(_("The reason is too long (at most 300 characters)."))]}
            }
        )
    review = _lock_open(review)
    rating_exclude(rating=review.rating, reason=reason, acting_user=acting_user)
    review.status = ReviewStatus.CONFIRMED
    review.decided_at = now()
    review.decided_by = acting_user
    review.decision_reason = reason
    review.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    rating_event_record(
        rating=review.rating,
        type=CONFIRMED,
        acting_user=acting_user,
        payload={
            "reason": reason,
            "checks": list(review.flags.values_list("check_code", flat=True)),
        },
    )
    return review


@transaction.atomic
def review_clear(*, review: Review, reason: str = "", acting_user: Any) -> Review:
    """Clear the flags: the rating stays valid and counted."""
    require_role(acting_user, *DECIDERS)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            extra={
                "errors": {"reason": [str(_("The reason is too long (at most 300 characters)."))]}
            }
        )
    review = _lock_open(review)
    review.status = ReviewStatus.CLEARED
    review.decided_at = now()
    review.decided_by = acting_user
    review.decision_reason = reason
    review.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    rating_event_record(
        rating=review.rating,
        type=CLEARED,
        acting_user=acting_user,
        payload={
            "reason": reason,
            "checks": list(review.flags.values_list("check_code", flat=True)),
        },
    )
    return review
