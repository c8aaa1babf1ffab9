"""The 5-working-day clock of supplementary-rating tasks in the deadline sweep (jobs.deadlines).

Reminder to the unit's window staff and handlers at ``WARN_AT`` of the window; after the deadline
the task is marked overdue and escalated one level a day (unit leader → city bureau liaison →
supervision office)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.core.clock import LOCAL_TZ
from haochaping.coverage import events
from haochaping.coverage.conf import coverage_setting
from haochaping.coverage.enums import TaskStatus
from haochaping.coverage.models import SupplementaryTask
from haochaping.jobs.deadlines import DeadlineItem, DeadlineRule, register_rule
from haochaping.jobs.escalation import EscalationLevel

LOOKAHEAD = dt.timedelta(days=30)


class SupplementaryClock(DeadlineRule):
    name = "coverage.supplementary"

    @property
    def warn_at(self) -> tuple[float, ...]:  # type: ignore[override]
        return tuple(coverage_setting("WARN_AT"))

    def due_items(self, *, now: dt.datetime) -> Iterator[DeadlineItem]:
        """Only tasks past their first warning point or deadline, listed without joins."""
        qs = SupplementaryTask.objects.filter(
            status__in=TaskStatus.open_values(), due_at__lte=now + LOOKAHEAD
        )
        rows = self.something_due(qs, start_field="started_at", due_field="due_at", now=now)
        for pk, started_at, due_at in (
            rows.order_by("due_at", "pk").values_list("pk", "started_at", "due_at").iterator()
        ):
            yield DeadlineItem(key=str(pk), started_at=started_at, due_at=due_at, extra={"id": pk})

    def resolve(self, item: DeadlineItem) -> DeadlineItem:
        t = SupplementaryTask.objects.select_related("unit__region", "case").get(
            pk=item.extra["id"]
        )
        workers = tuple(
            User.objects.filter(
                is_active=True, role=Role.WINDOW_STAFF, scope_unit_id=t.unit_id
            ).values_list("pk", flat=True)
        )
        return replace(
            item,
            unit=t.unit,
            assignee_ids=workers,
            label=t.case.project_no,
            url=t.get_absolute_url(),
        )

    def warn(self, item: DeadlineItem, *, point: float, now: dt.datetime) -> None:
        super().warn(item, point=point, now=now)
        events.coverage_event_record(
            subject="task",
            subject_id=item.extra["id"],
            type=events.TASK_WARNED,
            payload={
                "percent": round(point * 100),
                "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat(),
            },
        )

    def escalate(self, item: DeadlineItem, *, level: EscalationLevel, now: dt.datetime) -> None:
        super().escalate(item, level=level, now=now)
        SupplementaryTask.objects.filter(pk=item.extra["id"]).update(overdue=True)
        events.coverage_event_record(
            subject="task",
            subject_id=item.extra["id"],
            type=events.TASK_ESCALATED,
            payload={"level": int(level), "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat()},
        )


register_rule(SupplementaryClock())
