"""Reads of the integrity app: the review queue, per-check statistics, the unit view."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from haochaping.accounts.access import unit_scope_q
from haochaping.accounts.enums import Role
from haochaping.core.clock import LOCAL_TZ
from haochaping.core.exceptions import NotFound, PermissionDenied
from haochaping.integrity.checks import active_checks
from haochaping.integrity.conf import integrity_setting
from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.models import Flag, Review
from haochaping.org.models import Unit
from haochaping.ratings.enums import Origin
from haochaping.ratings.models import RatingEvent, RatingRollup

QUEUE_ROLES = (Role.LIAISON, Role.ADMIN)
OVERSIGHT_ROLES = (Role.LIAISON, Role.ADMIN, Role.SUPERVISOR, Role.LEADER)


def _require(user: Any, roles: tuple) -> None:
    if not user.is_authenticated:
        raise PermissionDenied()
    if not user.is_superuser and user.role not in roles:
        raise PermissionDenied()


def review_list(user: Any, *, status: str = ReviewStatus.OPEN, check: str = "") -> QuerySet[Review]:
    _require(user, QUEUE_ROLES)
    qs = Review.objects.filter(unit_scope_q(user, prefix="unit__"))
    if status:
        qs = qs.filter(status=status)
    if check:
        qs = qs.filter(flags__check_code=check)
    return (
        qs.select_related("rating", "unit")
        .prefetch_related("flags")
        .order_by("-score", "opened_at", "id")
    )


def access_review(user: Any, review_id: Any, *, for_update: bool = False) -> Review:
    """A review of a unit in the bureau user's scope. Wrong role 403; unknown/out of scope 404."""
    _require(user, QUEUE_ROLES)
    qs = Review.objects.filter(unit_scope_q(user, prefix="unit__")).select_related(
        "rating__case", "rating__unit", "unit", "decided_by"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=review_id)
    except (ValueError, TypeError, Review.DoesNotExist):
        raise NotFound() from None


def flag_reasons(review: Review) -> list[dict[str, Any]]:
    """The flags of a review with their translated, explained reasons."""
    checks = {c.code: c for c in active_checks()}
    out = []
    for flag in review.flags.all():
        check = checks.get(flag.check_code)
        out.append(
            {
                "code": flag.check_code,
                "label": check.label if check else flag.check_code,
                "outcome": flag.get_outcome_display(),
                "score": flag.score,
                "reason": check.describe(flag.details) if check else "",
                "group_of": flag.details.get("group_of", ""),
            }
        )
    return out


def rating_timeline(review: Review) -> QuerySet[RatingEvent]:
    return RatingEvent.objects.filter(rating_id=review.rating_id).select_related("acting_user")


def check_stats(user: Any, *, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per check: how often it fired, and how reviewers decided the ratings it flagged."""
    _require(user, OVERSIGHT_ROLES)
    qs = Flag.objects.filter(unit_scope_q(user, prefix="review__unit__"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    rows = {
        r["check_code"]: r
        for r in qs.values("check_code").annotate(
            fired=Count("id"),
            confirmed=Count("id", filter=Q(review__status=ReviewStatus.CONFIRMED)),
            cleared=Count("id", filter=Q(review__status=ReviewStatus.CLEARED)),
            open=Count("id", filter=Q(review__status=ReviewStatus.OPEN)),
        )
    }
    out = []
    for check in active_checks():
        r = rows.get(check.code, {"fired": 0, "confirmed": 0, "cleared": 0, "open": 0})
        decided = r["confirmed"] + r["cleared"]
        out.append(
            {
                "code": check.code,
                "label": check.label,
                "fired": r["fired"],
                "confirmed": r["confirmed"],
                "cleared": r["cleared"],
                "open": r["open"],
                "confirm_rate": (r["confirmed"] / decided) if decided else None,
            }
        )
    return out


def thresholds() -> list[tuple[str, Any]]:
    from haochaping.integrity.conf import DEFAULTS

    return [(name, integrity_setting(name)) for name in DEFAULTS if name != "CHECKS"]


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def unit_integrity(user: Any, *, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Per unit in scope: ratings, shares of staff-entered and paper ratings, flag rate,
    confirmed exclusions, callback-interview mismatches (coverage), in [since, until]."""
    _require(user, OVERSIGHT_ROLES)
    units = {u.pk: u for u in Unit.objects.filter(unit_scope_q(user)).only("id", "name")}
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, origin, n in (
        RatingRollup.objects.filter(unit_id__in=units, day__gte=since, day__lte=until)
        .values_list("unit_id", "origin")
        .annotate(n=Sum("count"))
    ):
        counts[unit_id][origin] += n
    start = dt.datetime.combine(since, dt.time.min, tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL_TZ)
    reviews = {
        r["unit_id"]: r
        for r in Review.objects.filter(
            unit_id__in=units, rating__assessed_at__gte=start, rating__assessed_at__lt=end
        )
        .values("unit_id")
        .annotate(
            flagged=Count("id"),
            confirmed=Count("id", filter=Q(status=ReviewStatus.CONFIRMED)),
            open=Count("id", filter=Q(status=ReviewStatus.OPEN)),
        )
    }
    mismatches = _interview_mismatches(units, start, end)
    rows = []
    for unit_id, unit in units.items():
        c = counts.get(unit_id, {})
        r = reviews.get(unit_id, {"flagged": 0, "confirmed": 0, "open": 0})
        total = sum(v for k, v in c.items() if k != Origin.SYSTEM_DEFAULT)
        excluded_total = total + r["confirmed"]  # rollups count valid ratings only
        if not excluded_total and not mismatches.get(unit_id):
            continue
        staff = c.get(Origin.STAFF_ENTERED, 0)
        paper = c.get(Origin.PAPER, 0)
        rows.append(
            {
                "unit_id": unit_id,
                "unit_name": unit.name,
                "ratings": total,
                "staff": staff,
                "paper": paper,
                "staff_share": staff / total if total else None,
                "paper_share": paper / total if total else None,
                "flagged": r["flagged"],
                "confirmed": r["confirmed"],
                "open": r["open"],
                "flag_rate": r["flagged"] / excluded_total if excluded_total else None,
                "mismatches": mismatches.get(unit_id, 0),
                "warn": (
                    total >= integrity_setting("SHARE_MIN_RATINGS")
                    and (staff + paper) / total > integrity_setting("SHARE_MAX")
                ),
            }
        )
    rows.sort(key=lambda row: (-(row["flag_rate"] or 0), row["unit_name"]))
    return rows


def _interview_mismatches(units: dict, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    try:
        from haochaping.coverage.models import Interview
    except ImportError:  # pragma: no cover - coverage not installed
        return {}
    return dict(
        Interview.objects.filter(
            entry__unit_id__in=units, mismatch=True, created_at__gte=start, created_at__lt=end
        )
        .values_list("entry__unit_id")
        .annotate(n=Count("id"))
    )


def unit_weekly(user: Any, unit: Unit, *, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Week by week for one unit: ratings, staff/paper shares, flags per check (patterns over time)."""
    _require(user, OVERSIGHT_ROLES)
    weeks: dict[dt.date, dict[str, Any]] = {}
    w = _week(since)
    while w <= until:
        weeks[w] = {
            "week": w,
            "ratings": 0,
            "staff": 0,
            "paper": 0,
            "checks": defaultdict(int),
            "flagged": 0,
        }
        w += dt.timedelta(days=7)
    for day, origin, n in (
        RatingRollup.objects.filter(unit=unit, day__gte=since, day__lte=until)
        .exclude(origin=Origin.SYSTEM_DEFAULT)
        .values_list("day", "origin")
        .annotate(n=Sum("count"))
    ):
        row = weeks[_week(day)]
        row["ratings"] += n
        if origin == Origin.STAFF_ENTERED:
            row["staff"] += n
        elif origin == Origin.PAPER:
            row["paper"] += n
    start = dt.datetime.combine(since, dt.time.min, tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL_TZ)
    for at, code in Flag.objects.filter(
        review__unit=unit,
        review__rating__assessed_at__gte=start,
        review__rating__assessed_at__lt=end,
    ).values_list("review__rating__assessed_at", "check_code"):
        row = weeks[_week(at.astimezone(LOCAL_TZ).date())]
        row["checks"][code] += 1
    codes = [c.code for c in active_checks()]
    for row in weeks.values():
        row["staff_share"] = row["staff"] / row["ratings"] if row["ratings"] else None
        row["paper_share"] = row["paper"] / row["ratings"] if row["ratings"] else None
        row["per_check"] = [row["checks"].get(code, 0) for code in codes]
        row["flagged"] = sum(row["per_check"])
    return list(weeks.values())
