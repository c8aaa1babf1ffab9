"""The 5-working-day clock of supplementary-rating tasks in the deadline sweep (jobs.deadlines).

Reminder to the unit's window staff and handlers at ``WARN_AT`` of the window; after the deadline
the task is marked overdue and escalated one level a day (unit leader → city bureau liaison →
supervision office)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

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
        qs = (SupplementaryTask.objects.filter(status__in=TaskStatus.open_values(),
                                               due_at__lte=now + LOOKAHEAD)
              .select_related("unit__region", "case").order_by("due_at", "pk"))
        for t in qs.iterator():
            workers = tuple(User.objects.filter(
                is_active=True, role=Role.WINDOW_STAFF, scope_unit_id=t.unit_id
            ).values_list("pk", flat=True))
            yield DeadlineItem(key=str(t.pk), started_at=t.started_at, due_at=t.due_at,
                               unit=t.unit, assignee_ids=workers, label=t.case.project_no,
                               url=t.get_absolute_url(), extra={"id": t.pk})

    def warn(self, item: DeadlineItem, *, point: float, now: dt.datetime) -> None:
        super().warn(item, point=point, now=now)
        events.coverage_event_record(
            subject="task", subject_id=item.extra["id"], type=events.TASK_WARNED,
            payload={"percent": round(point * 100),
                     "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat()})

    def escalate(self, item: DeadlineItem, *, level: EscalationLevel, now: dt.datetime) -> None:
        super().escalate(item, level=level, now=now)
        SupplementaryTask.objects.filter(pk=item.extra["id"]).update(overdue=True)
        events.coverage_event_record(
            subject="task", subject_id=item.extra["id"], type=events.TASK_ESCALATED,
            payload={"level": int(level), "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat()})


register_rule(SupplementaryClock())
