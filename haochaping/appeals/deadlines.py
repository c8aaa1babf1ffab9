"""Deadline-sweep rules: the reviewer's 7-working-day decision clock and the city bureau's
further-review clock (see haochaping.jobs.deadlines).

Before the deadline the reviewers of the reviewing unit are reminded at ``WARN_AT``; after it
the item escalates one level per interval (the reviewing unit's leader → city bureau liaison →
supervision office), is marked overdue and the escalation goes on the appeal's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

from haochaping.accounts.enums import Role
from haochaping.appeals import events
from haochaping.appeals.conf import appeal_setting
from haochaping.appeals.enums import Status
from haochaping.appeals.models import Appeal
from haochaping.appeals.selectors import reviewers_of
from haochaping.core.clock import LOCAL_TZ
from haochaping.jobs.deadlines import DeadlineItem, DeadlineRule, register_rule
from haochaping.jobs.escalation import EscalationLevel

LOOKAHEAD = dt.timedelta(days=30)  # longer than any appeal clock


class DecisionClock(DeadlineRule):
    name = "appeals.decision"
    status = Status.PENDING
    due_field = "decision_due_at"
    start_field = "filed_at"
    unit_field = "reviewer_unit"
    overdue_field = "decision_overdue"
    roles: tuple[Role, ...] = (Role.REVIEWER,)

    @property
    def warn_at(self) -> tuple[float, ...]:  # type: ignore[override]
        return tuple(appeal_setting("WARN_AT"))

    def due_items(self, *, now: dt.datetime) -> Iterator[DeadlineItem]:
        """Only items past their first warning point or deadline, listed without joins."""
        qs = Appeal.objects.filter(
            status=self.status, **{f"{self.due_field}__lte": now + LOOKAHEAD}
        )
        rows = self.something_due(
            qs, start_field=self.start_field, due_field=self.due_field, now=now
        )
        for pk, started_at, due_at in (
            rows.order_by(self.due_field, "pk")
            .values_list("pk", self.start_field, self.due_field)
            .iterator()
        ):
            yield DeadlineItem(key=str(pk), started_at=started_at, due_at=due_at, extra={"id": pk})

    def resolve(self, item: DeadlineItem) -> DeadlineItem:
        a = Appeal.objects.select_related(f"{self.unit_field}__region").get(pk=item.extra["id"])
        unit = getattr(a, self.unit_field)
        assignees = reviewers_of(unit, roles=self.roles)
        if a.decided_by_id:
            assignees = assignees.exclude(pk=a.decided_by_id)
        return replace(
            item,
            unit=unit,
            assignee_ids=tuple(assignees.values_list("pk", flat=True)),
            label=a.label,
            url=a.get_absolute_url(),
        )

    def warn(self, item: DeadlineItem, *, point: float, now: dt.datetime) -> None:
        super().warn(item, point=point, now=now)
        events.appeal_event_record(
            appeal=Appeal.objects.get(pk=item.extra["id"]),
            type=events.DEADLINE_WARNED,
            payload={
                "clock": self.name,
                "percent": round(point * 100),
                "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat(),
            },
        )

    def escalate(self, item: DeadlineItem, *, level: EscalationLevel, now: dt.datetime) -> None:
        super().escalate(item, level=level, now=now)
        Appeal.objects.filter(pk=item.extra["id"]).update(**{self.overdue_field: True})
        events.appeal_event_record(
            appeal=Appeal.objects.get(pk=item.extra["id"]),
            type=events.DEADLINE_ESCALATED,
            payload={
                "clock": self.name,
                "level": int(level),
                "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat(),
            },
        )


class FurtherReviewClock(DecisionClock):
    name = "appeals.further_review"
    status = Status.FURTHER_REVIEW
    due_field = "further_due_at"
    start_field = "further_requested_at"
    unit_field = "further_unit"
    overdue_field = "further_overdue"
    roles = (Role.REVIEWER, Role.LIAISON)


RULES = (DecisionClock(), FurtherReviewClock())


def register() -> None:
    for rule in RULES:
        register_rule(rule)
