"""Every write of the integrity app: storing findings, and the bureau's review decisions."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput, InvalidTransition
from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.events import CLEARED, CONFIRMED, FLAGGED, rating_event_record
from haochaping.integrity.lookups import columns_and_values
from haochaping.integrity.models import Flag, Review
from haochaping.ratings.models import Rating, RatingEvent
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
    review = Review(
        rating=rating,
        unit_id=rating.unit_id,
        score=max(f.score for _c, f in findings),
        opened_at=at,
    )
    flags = [
        Flag(
            check_code=c.code,
            outcome=f.outcome,
            score=f.score,
            details=f.details,
            created_at=at,
        )
        for c, f in findings
    ]
    event = RatingEvent(
        rating=rating,
        type=FLAGGED,
        acting_user=acting_user,
        payload={"checks": [c.code for c, _f in findings], "score": review.score},
        created_at=at,
    )
    if connection.vendor == "postgresql" and not _has_receivers(Flag):
        _insert_together(review, flags, event)
    else:
        review.save(force_insert=True)
        for flag in flags:
            flag.review = review
        Flag.objects.bulk_create(flags)
        event.save(force_insert=True)
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


def _has_receivers(model) -> bool:
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def _insert_together(review: Review, flags: list[Flag], event: RatingEvent) -> None:
    """The review, its flags and the timeline event in one statement (one round trip).

    The save signals of the review and the event are sent as ``Model.save`` would (the audit
    trail records both); flags have no receivers (the caller checks), else the ORM is used.
    """
    for obj in (review, event):
        pre_save.send(
            sender=type(obj), instance=obj, raw=False, using="default", update_fields=None
        )
    qn = connection.ops.quote_name
    review_cols, review_values = columns_and_values(review, with_pk=False)
    event_cols, event_values = columns_and_values(event, with_pk=False)
    flag_cols, flag_rows = [], []
    for flag in flags:
        flag.review_id = 0  # placeholder column, replaced by the new review's id below
        flag_cols, values = columns_and_values(flag, with_pk=False)
        flag_rows.append(values)
    review_col = qn(Flag._meta.get_field("review").column)
    review_at = flag_cols.index(review_col)
    other = [c for i, c in enumerate(flag_cols) if i != review_at]
    rows = ", ".join("(" + ", ".join(["%s"] * len(other)) + ")" for _f in flags)
    # column names come from the models; every value is a parameter
    sql = (
        f"WITH r AS (INSERT INTO {qn(Review._meta.db_table)} ({', '.join(review_cols)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(review_values))}) RETURNING {qn(Review._meta.pk.column)} AS id), "
        f"f AS (INSERT INTO {qn(Flag._meta.db_table)} ({review_col}, {', '.join(other)}) "
        f"SELECT r.id, v.* FROM r, (VALUES {rows}) AS v), "
        f"e AS (INSERT INTO {qn(RatingEvent._meta.db_table)} ({', '.join(event_cols)}) "
        f"VALUES ({', '.join(['%s'] * len(event_values))}) "
        f"RETURNING {qn(RatingEvent._meta.pk.column)} AS id) "
        f"SELECT (SELECT id FROM r), (SELECT id FROM e)"
    )
    params = [*review_values]
    for values in flag_rows:
        params.extend(v for i, v in enumerate(values) if i != review_at)
    params.extend(event_values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        review.pk, event.pk = cursor.fetchone()
    for flag in flags:
        flag.review = review
    for obj in (review, event):
        obj._state.adding, obj._state.db = False, "default"
        post_save.send(
            sender=type(obj),
            instance=obj,
            created=True,
            raw=False,
            using="default",
            update_fields=None,
        )


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
