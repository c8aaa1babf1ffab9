"""Deadline-sweep rules for the three rectification clocks (see haochaping.jobs.deadlines).

Before a deadline the assignee is reminded at the configured shares of the window; after it the
item is escalated one level per interval: unit leader → city bureau liaison → supervision
office. Each escalation also marks the clock overdue and goes on the item's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.jobs.deadlines import DeadlineItem, DeadlineRule, register_rule
from haochaping.jobs.escalation import EscalationLevel, escalation_recipient_list
from haochaping.rectification import events
from haochaping.rectification.conf import rect_setting
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification, RectificationEvent

LOOKAHEAD = dt.timedelta(days=40)  # longer than any clock, so every warning point is seen


class _ClockRule(DeadlineRule):
    clock = ""
    statuses: tuple[str, ...] = ()

    @property
    def warn_at(self) -> tuple[float, ...]:  # type: ignore[override]
        return tuple(rect_setting("WARN_AT"))

    def _assignees(self, r: Rectification) -> tuple[int, ...]:
        return (r.handler_id,) if r.handler_id else ()

    def due_items(self, *, now: dt.datetime) -> Iterator[DeadlineItem]:
        """Only items past their first warning point or deadline, listed without joins."""
        start_field, due_field = f"{self.clock}_started_at", f"{self.clock}_due_at"
        qs = Rectification.objects.filter(
            status__in=self.statuses,
            paused_at__isnull=True,
            **{f"{due_field}__lte": now + LOOKAHEAD},
        )
        rows = self.something_due(qs, start_field=start_field, due_field=due_field, now=now)
        for pk, started_at, due_at in (
            rows.order_by(due_field, "pk").values_list("pk", start_field, due_field).iterator()
        ):
            yield DeadlineItem(key=str(pk), started_at=started_at, due_at=due_at, extra={"id": pk})

    def resolve(self, item: DeadlineItem) -> DeadlineItem:
        r = Rectification.objects.select_related("unit__region", "case").get(pk=item.extra["id"])
        return self._resolved(item, r)

    def resolve_many(self, items: list[DeadlineItem]) -> list[DeadlineItem]:
        """:meth:`resolve` for a batch: one query for all the items."""
        found = Rectification.objects.select_related("unit__region", "case").in_bulk(
            [item.extra["id"] for item in items]
        )
        return [self._resolved(item, found[item.extra["id"]]) for item in items]

    def _resolved(self, item: DeadlineItem, r: Rectification) -> DeadlineItem:
        return replace(
            item,
            unit=r.unit,
            assignee_ids=self._assignees(r),
            label=r.label,
            url=r.get_absolute_url(),
            extra={**item.extra, "rectification": r},
        )

    def warn_many(self, sends: list[tuple[DeadlineItem, float]], *, now: dt.datetime) -> None:
        """:meth:`warn` for a batch: inbox and SMS rows, timeline rows, in bulk."""
        self.notify_warnings(sends, now=now)
        _record_events(
            [
                (
                    item,
                    events.DEADLINE_WARNED,
                    {"clock": self.clock, "percent": round(point * 100), "due_at": _iso(item)},
                )
                for item, point in sends
            ]
        )

    def escalate_many(
        self, sends: list[tuple[DeadlineItem, EscalationLevel]], *, now: dt.datetime
    ) -> None:
        """:meth:`escalate` for a batch: messages, the overdue flags (one UPDATE) and the
        timeline rows, in bulk."""
        self.notify_escalations(sends, now=now)
        flag = f"{self.clock}_overdue"
        Rectification.objects.filter(pk__in=[item.extra["id"] for item, _ in sends]).update(
            **{flag: True}
        )
        _record_events(
            [
                (
                    item,
                    events.DEADLINE_ESCALATED,
                    {"clock": self.clock, "level": int(level), "due_at": _iso(item)},
                )
                for item, level in sends
            ]
        )

    def warn(self, item: DeadlineItem, *, point: float, now: dt.datetime) -> None:
        super().warn(item, point=point, now=now)
        r = Rectification.objects.get(pk=item.extra["id"])
        events.rectification_event_record(
            rectification=r,
            type=events.DEADLINE_WARNED,
            payload={
                "clock": self.clock,
                "percent": round(point * 100),
                "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat(),
            },
        )

    def escalate(self, item: DeadlineItem, *, level: EscalationLevel, now: dt.datetime) -> None:
        super().escalate(item, level=level, now=now)
        flag = f"{self.clock}_overdue"
        Rectification.objects.filter(pk=item.extra["id"]).update(**{flag: True})
        r = Rectification.objects.get(pk=item.extra["id"])
        events.rectification_event_record(
            rectification=r,
            type=events.DEADLINE_ESCALATED,
            payload={
                "clock": self.clock,
                "level": int(level),
                "due_at": item.due_at.astimezone(LOCAL_TZ).isoformat(),
            },
        )


def _iso(item: DeadlineItem) -> str:
    return item.due_at.astimezone(LOCAL_TZ).isoformat()


def _record_events(rows: list[tuple[DeadlineItem, str, dict]]) -> None:
    """:func:`events.rectification_event_record` for many rows: one INSERT, and the signals
    ``save()`` would send (audit rows, receivers) as the bulk opening does."""
    from haochaping.core import bulk

    now = clock_now()
    evs = [
        RectificationEvent(
            rectification=item.extra["rectification"],
            type=type_,
            from_status="",
            to_status="",
            note="",
            payload=payload,
            acting_user=None,
            actor_label=events.actor_label(None),
            created_at=now,
        )
        for item, type_, payload in rows
    ]
    bulk.send_pre_save(evs)
    bulk.insert(evs)
    bulk.send_post_save(evs)


class ContactClock(_ClockRule):
    name = "rectification.contact"
    clock = "contact"
    statuses = (Status.NEW, Status.REOPENED)


class FeedbackClock(_ClockRule):
    name = "rectification.feedback"
    clock = "feedback"
    statuses = (Status.CONTACTED, Status.RECTIFYING)


class CloseClock(_ClockRule):
    """The liaison's callback clock: the liaison is the assignee."""

    name = "rectification.close"
    clock = "close"
    statuses = (Status.FEEDBACK_GIVEN, Status.AWAITING_CALLBACK)

    def _assignees(self, r: Rectification) -> tuple[int, ...]:
        return tuple(
            u.pk for u in escalation_recipient_list(EscalationLevel.CITY_LIAISON, unit=r.unit)
        )


RULES = (ContactClock(), FeedbackClock(), CloseClock())


def register() -> None:
    for rule in RULES:
        register_rule(rule)
