"""Reads of the coverage app: lists scoped to the user, and the figures (definitions in
docs/coverage.md; each function's docstring states its definition)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from haochaping.accounts.access import sample_list_for, unit_scope_q
from haochaping.cases.enums import ApplyChannel, CaseStatus
from haochaping.cases.models import Case
from haochaping.core.clock import LOCAL_TZ
from haochaping.coverage.enums import CommentStatus, TaskResolution, TaskStatus
from haochaping.coverage.models import (
    Comment,
    CoverageEvent,
    Interview,
    MysteryVisit,
    Sample,
    SampleEntry,
    SupplementaryTask,
)
from haochaping.ratings.enums import Validity
from haochaping.ratings.models import Rating


@dataclass(frozen=True)
class Share:
    num: int
    den: int

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None

    @property
    def percent(self) -> str:
        """ "93.5%" (one decimal, half up) or "—" when there is nothing to divide."""
        if not self.den:
            return "—"
        return f"{(self.num * 1000 / self.den + 0.5) // 1 / 10:.1f}%"

    def as_dict(self) -> dict[str, Any]:
        v = self.value
        return {
            "numerator": self.num,
            "denominator": self.den,
            "value": None if v is None else round(v, 6),
            "percent": self.percent,
        }


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(since, dt.time(0, 0), tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LOCAL_TZ)
    return start, end


def _first(**filters: Any) -> QuerySet[Rating]:
    return Rating.objects.filter(
        case=OuterRef("pk"), validity=Validity.VALID, assess_number=1, **filters
    )


@dataclass
class OnlineRateRow:
    unit_id: int
    unit_name: str
    online_completed: int
    effective: int
    citizen: int
    staff_entered: int
    default_only: int
    unrated: int

    @property
    def rate(self) -> Share:
        return Share(self.effective, self.online_completed)

    @property
    def citizen_rate(self) -> Share:
        return Share(self.citizen, self.online_completed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unitId": self.unit_id,
            "unit": self.unit_name,
            "onlineCompleted": self.online_completed,
            "effective": self.effective,
            "citizen": self.citizen,
            "staffEntered": self.staff_entered,
            "defaultOnly": self.default_only,
            "unrated": self.unrated,
            "rate": self.rate.as_dict(),
            "citizenRate": self.citizen_rate.as_dict(),
        }


def online_rating_rate(
    user: Any, *, since: dt.date, until: dt.date, unit_id: int | None = None
) -> list[OnlineRateRow]:
    """线上办件有效评价率 per unit (target 100 %).

    Denominator: online cases (applied ``online`` or ``app``) of the unit, completed, whose
    completion falls on a local day in [since, until].
    Numerator: those with at least one *effective* rating: a valid (not excluded) first rating
    (assess number 1, either stage) that is not a system default. Citizen ratings (any channel,
    including the supplementary SMS link) and phone answers recorded by staff both count; system
    defaults never do. Breakdown: ``citizen`` (an effective rating of origin citizen),
    ``staff_entered`` (effective, but only by staff-entered or paper ratings), ``default_only``
    (only a system default), ``unrated``.
    """
    start, end = _bounds(since, until)
    qs = Case.objects.filter(
        unit_scope_q(user, prefix="unit__"),
        status=CaseStatus.COMPLETED,
        apply_channel__in=ApplyChannel.online_channels(),
        completed_at__gte=start,
        completed_at__lt=end,
    )
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    rows = (
        qs.alias(
            eff=Exists(_first(is_system_default=False)),
            cit=Exists(_first(is_system_default=False, is_staff_entered=False, is_paper=False)),
            dflt=Exists(_first(is_system_default=True)),
        )
        .values("unit_id", "unit__name")
        .annotate(
            n=Count("pk"),
            n_eff=Count("pk", filter=Q(eff=True)),
            n_cit=Count("pk", filter=Q(cit=True)),
            n_dflt=Count("pk", filter=Q(dflt=True, eff=False)),
        )
        .order_by("unit__name", "unit_id")
    )
    return [
        OnlineRateRow(
            unit_id=r["unit_id"],
            unit_name=r["unit__name"],
            online_completed=r["n"],
            effective=r["n_eff"],
            citizen=r["n_cit"],
            staff_entered=r["n_eff"] - r["n_cit"],
            default_only=r["n_dflt"],
            unrated=r["n"] - r["n_eff"] - r["n_dflt"],
        )
        for r in rows
    ]


def online_rating_rate_total(rows: list[OnlineRateRow]) -> OnlineRateRow:
    total = OnlineRateRow(0, "", 0, 0, 0, 0, 0, 0)
    for r in rows:
        for f in (
            "online_completed",
            "effective",
            "citizen",
            "staff_entered",
            "default_only",
            "unrated",
        ):
            setattr(total, f, getattr(total, f) + getattr(r, f))
    return total


# --- supplementary tasks -------------------------------------------------------------------------


def task_list(
    user: Any, *, status: str = "", unit_id: int | None = None, overdue: bool = False
) -> QuerySet[SupplementaryTask]:
    qs = SupplementaryTask.objects.filter(unit_scope_q(user, prefix="unit__")).select_related(
        "case__item", "unit", "window"
    )
    if status == "open":
        qs = qs.filter(status__in=TaskStatus.open_values())
    elif status in TaskStatus.values:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if overdue:
        qs = qs.filter(status__in=TaskStatus.open_values(), due_at__lt=_now())
    return qs.order_by("due_at", "pk")


def _now() -> dt.datetime:
    from haochaping.core.clock import now

    return now()


@dataclass
class Completion:
    due: int  # tasks whose deadline fell in the period
    on_time: int  # of those, rated (SMS link, phone or another channel) by the deadline
    late: int  # rated after the deadline
    declined: int
    defaulted: int
    expired: int
    still_open: int

    @property
    def rate(self) -> Share:
        return Share(self.on_time, self.due)

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "onTime": self.on_time,
            "late": self.late,
            "declined": self.declined,
            "defaulted": self.defaulted,
            "expired": self.expired,
            "open": self.still_open,
            "rate": self.rate.as_dict(),
        }


def supplementary_completion(user: Any, *, since: dt.date, until: dt.date) -> Completion:
    """补充评价完成率: tasks whose deadline falls on a local day in [since, until]; numerator:
    those that got a citizen or phone rating by the deadline."""
    start, end = _bounds(since, until)
    c = SupplementaryTask.objects.filter(
        unit_scope_q(user, prefix="unit__"), due_at__gte=start, due_at__lt=end
    ).aggregate(
        n_due=Count("pk"),
        n_on_time=Count("pk", filter=Q(status=TaskStatus.RATED, on_time=True)),
        n_late=Count("pk", filter=Q(status=TaskStatus.RATED, on_time=False)),
        n_declined=Count("pk", filter=Q(status=TaskStatus.DECLINED)),
        n_defaulted=Count("pk", filter=Q(status=TaskStatus.DEFAULTED)),
        n_expired=Count("pk", filter=Q(status=TaskStatus.EXPIRED)),
        n_still_open=Count("pk", filter=Q(status__in=TaskStatus.open_values())),
    )
    return Completion(**{k[2:]: v for k, v in c.items()})


def task_resolution_counts(user: Any) -> dict[str, int]:
    rows = (
        SupplementaryTask.objects.filter(unit_scope_q(user, prefix="unit__"))
        .values("resolution")
        .annotate(n=Count("pk"))
    )
    out = dict.fromkeys(TaskResolution.values, 0)
    for r in rows:
        out[r["resolution"]] = r["n"]
    return out


def timeline(subject: str, subject_id: int) -> QuerySet[CoverageEvent]:
    return CoverageEvent.objects.filter(subject=subject, subject_id=subject_id).select_related(
        "acting_user"
    )


# --- comments ------------------------------------------------------------------------------------


def comment_list(
    user: Any, *, status: str = "", source: str = "", unit_id: int | None = None
) -> QuerySet[Comment]:
    qs = Comment.objects.filter(unit_scope_q(user, prefix="unit__")).select_related(
        "unit", "hall", "item", "rating"
    )
    if status in CommentStatus.values:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs


def comment_counts(user: Any, *, since: dt.date, until: dt.date) -> dict[str, Any]:
    """综合点评 counted apart from case ratings: received in [since, until] by source, by
    classification and by unit (how many negative ones went to rectification)."""
    start, end = _bounds(since, until)
    qs = Comment.objects.filter(
        unit_scope_q(user, prefix="unit__"), received_at__gte=start, received_at__lt=end
    )
    by_source = {r["source"]: r["n"] for r in qs.values("source").annotate(n=Count("pk"))}
    by_sentiment = {
        r["sentiment"] or "unclassified": r["n"]
        for r in qs.values("sentiment").annotate(n=Count("pk"))
    }
    by_unit = list(
        qs.values("unit_id", "unit__name")
        .annotate(total=Count("pk"), negative=Count("pk", filter=Q(status=CommentStatus.ROUTED)))
        .order_by("-total", "unit__name")
    )
    return {
        "total": sum(by_source.values()),
        "bySource": by_source,
        "bySentiment": by_sentiment,
        "byUnit": by_unit,
    }


# --- supervision -----------------------------------------------------------------------------------


def sample_list(user: Any) -> QuerySet[Sample]:
    return (
        sample_list_for(user)
        .annotate(
            n=Count("entries"),
            done=Count("entries", filter=Q(entries__done_at__isnull=False)),
            mismatches=Count("entries", filter=Q(entries__mismatch=True)),
        )
        .select_related("drawn_by")
    )


def sample_entries(user: Any, sample: Sample) -> QuerySet[SampleEntry]:
    return (
        sample.entries.filter(unit_scope_q(user, prefix="unit__"))
        .select_related("unit", "rating__case", "item")
        .prefetch_related("interviews")
    )


def interview_mismatches(user: Any) -> QuerySet[Interview]:
    """Interviews where the citizen did not confirm the rating, or said staff entered it or
    pressured them: the input of the integrity view (刷好评, 二次录入)."""
    return (
        Interview.objects.filter(unit_scope_q(user, prefix="entry__unit__"), mismatch=True)
        .select_related("entry__rating", "entry__unit", "acting_user")
        .order_by("-created_at")
    )


def visit_list(user: Any) -> QuerySet[MysteryVisit]:
    return (
        MysteryVisit.objects.filter(unit_scope_q(user, prefix="unit__"))
        .select_related("unit", "hall", "item", "inspector")
        .annotate(open_actions=Count("actions", filter=Q(actions__status="open")))
    )
