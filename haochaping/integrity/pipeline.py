"""The hook the ratings pipeline calls for every incoming rating.

``check_rating`` runs inside ``ratings.services._insert``'s transaction, right after the
rating row is written: a "reject" raises InvalidInput (the transaction rolls back, nothing is
stored or counted); flags are stored with the rating, in the same transaction, and put the
rating into the bureau's review queue. A replayed idempotency key never gets here (the insert
fails first), so an idempotent retry is never judged twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.exceptions import InvalidInput
from haochaping.integrity.checks import (
    ONSITE_TERMINALS,
    PERSONAL_CHANNELS,
    STAFF_HANDLED,
    Finding,
    RatingContext,
    active_checks,
    is_office_time,
    text_hash,
)
from haochaping.integrity.conf import integrity_enabled
from haochaping.integrity.enums import Outcome
from haochaping.integrity.lookups import fetch
from haochaping.integrity.models import Fingerprint
from haochaping.ratings.enums import Level
from haochaping.ratings.models import Rating

logger = logging.getLogger(__name__)


def fingerprint_of(rating: Rating) -> Fingerprint:
    local = rating.assessed_at.astimezone(LOCAL_TZ)
    personal_device = rating.channel in PERSONAL_CHANNELS and not rating.is_staff_entered
    return Fingerprint(
        rating=rating,
        at=rating.assessed_at,
        unit_id=rating.unit_id,
        window_id=rating.window_id,
        staff_id=rating.staff_id,
        mobile="" if rating.is_staff_entered else rating.evaluator_mobile,
        device=rating.device_id if personal_device else "",
        text_hash=text_hash(rating.text),
        is_top=(
            rating.level == Level.VERY_SATISFIED
            and rating.channel in STAFF_HANDLED
            and not rating.is_staff_entered
        ),
        onsite_after_hours=(
            rating.channel in ONSITE_TERMINALS and not rating.is_paper and not is_office_time(local)
        ),
    )


def _run(
    rating: Rating,
    acting_user: Any,
    *,
    save: bool,
    count: tuple[str, list] | None = None,
    also: tuple[tuple[str, list], ...] = (),
) -> tuple[Fingerprint, list]:
    fingerprint = fingerprint_of(rating)
    ctx = RatingContext(
        rating=rating,
        acting_user=acting_user,
        fingerprint=fingerprint,
        local=rating.assessed_at.astimezone(LOCAL_TZ),
        counted=count is not None,
    )
    checks = active_checks()
    lookups: dict[str, Any] = {}
    for check in checks:
        lookups.update(check.lookups(ctx))
    ctx.rows = fetch(
        lookups,
        insert=fingerprint if save else None,
        also=((count,) if count is not None else ()) + also,
    )
    findings = []
    for check in checks:
        finding = check.run(ctx)
        if finding is not None:
            findings.append((check, finding))
    return fingerprint, findings


def run_checks(
    rating: Rating, *, acting_user: Any = None
) -> tuple[Fingerprint, list[tuple[Any, Finding]]]:
    """Run every active check; returns the (unsaved) fingerprint and the findings."""
    return _run(rating, acting_user, save=False)


def check_rating(
    rating: Rating,
    *,
    acting_user: Any = None,
    count: tuple[str, list] | None = None,
    also: Callable[[], list[tuple[str, list]]] | None = None,
) -> bool:
    """Judge one just-inserted rating (inside the caller's transaction).

    ``count`` is the caller's statement adding the rating to the rollup counts: it runs with
    the look-ups (the same statement on PostgreSQL, one round trip less) and the checks leave
    this rating's own count out. Returns whether it ran; when the checks do not run (a system
    default, integrity switched off) it did not, and the caller runs it. ``also`` hands over
    more writes of the caller's (``(sql, params)``, e.g. ``core.compiled_queries.Riders.take``)
    to run in that same statement; it is called only when the checks run."""
    from haochaping.integrity.services import findings_record

    if rating.is_system_default or not integrity_enabled():
        return False  # written by the system itself; never counted as a citizen's rating anyway
    # The fingerprint (and the count) are written with the lookups (one statement on
    # PostgreSQL); a reject below rolls them back with the rating.
    _fingerprint, findings = _run(
        rating, acting_user, save=True, count=count, also=tuple(also()) if also else ()
    )
    rejects = [(c, f) for c, f in findings if f.outcome == Outcome.REJECT]
    if rejects:
        check, finding = rejects[0]
        reason = check.describe(finding.details)
        logger.warning("integrity: rating rejected by %s: %s", check.code, reason)
        raise InvalidInput(extra={"errors": {"integrity": [reason]}, "check": check.code})
    if findings:
        findings_record(rating=rating, findings=findings, acting_user=acting_user)
    return count is not None
