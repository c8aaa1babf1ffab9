"""The deadline sweep: reminders before stored deadlines, escalation after them.

Domain apps (rectification, appeals, supplementary ratings ...) register a :class:`DeadlineRule`
in their ``AppConfig.ready()``::

    from haochaping.jobs.deadlines import DeadlineItem, DeadlineRule, register_rule

    class ContactDeadline(DeadlineRule):
        name = "rectification.contact"
        warn_at = (0.5, 0.8)                     # share of the window used
        escalation_interval = dt.timedelta(days=1)

        def due_items(self, *, now):
            # An index scan over the stored deadline: open items due within the lookahead.
            qs = (Rectification.objects.filter(status__in=OPEN, contact_due_at__lte=now + LOOKAHEAD)
                  .select_related("unit").order_by("contact_due_at"))
            for r in qs.iterator():
                yield DeadlineItem(key=str(r.pk), started_at=r.created_at, due_at=r.contact_due_at,
                                   unit=r.unit, assignee_ids=(r.handler_id,), label=r.project_no,
                                   url=r.get_absolute_url())

    register_rule(ContactDeadline())

The ``deadline-sweep`` periodic job (every minute) calls :func:`run_deadline_sweep`. For each
item of each rule:

- before the deadline, when the share of the window used (``started_at`` → ``due_at``) has
  passed a point of ``warn_at``, the rule's :meth:`DeadlineRule.warn` runs once for the highest
  point passed (lower points passed at the same time are marked, not sent);
- after the deadline, :meth:`DeadlineRule.escalate` runs once per level, one level per sweep:
  level 1 (unit leader) at the deadline, level 2 (city bureau liaison) one
  ``escalation_interval`` later, level 3 (supervision office) after two.

"Once" is a :class:`~haochaping.jobs.models.DeadlineMarker` row inserted in the same transaction
as the hook's own writes (inbox rows, SMS outbox rows, the domain's timeline): the hook failing
rolls the marker back and the next sweep tries again; success commits both. Markers are keyed by
the item's ``due_at``, so a recomputed deadline (holiday added, item reopened) gets fresh
reminders. One failing item (or rule) is logged and never stops the loop.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.jobs.escalation import EscalationLevel, escalation_recipients
from haochaping.jobs.models import DeadlineMarker

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineItem:
    key: str  # stable id of the item within its rule
    started_at: dt.datetime  # start of the window (the transition that set the deadline)
    due_at: dt.datetime  # the stored deadline
    unit: Any = None  # the owning org.Unit (escalation recipients are found from it)
    assignee_ids: tuple[int, ...] = ()  # users warned before the deadline (level 0)
    label: str = ""  # what the messages call the item, e.g. the case number
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class DeadlineRule:
    name: str = ""
    warn_at: tuple[float, ...] = (0.5, 0.8)
    escalation_interval: dt.timedelta = dt.timedelta(days=1)
    max_level: EscalationLevel = EscalationLevel.SUPERVISION

    def due_items(self, *, now: dt.datetime) -> Iterable[DeadlineItem]:
        """Open items whose warning points or deadline may have passed (an index scan)."""
        raise NotImplementedError

    def warn(self, item: DeadlineItem, *, point: float, now: dt.datetime) -> None:
        """Tell the assignee the deadline approaches. Default: inbox + SMS per preference."""
        from haochaping.accounts.models import User
        from haochaping.notifications.services import notify

        recipients = User.objects.filter(pk__in=item.assignee_ids, is_active=True)
        if not recipients.exists() and item.unit is not None:
            recipients = escalation_recipients(EscalationLevel.HANDLER, unit=item.unit)
        notify(
            recipients=recipients,
            message="deadline.warning",
            url=item.url,
            sms=True,
            params={
                "item": item.label or item.key,
                "due": _local(item.due_at),
                "percent": round(point * 100),
            },
        )

    def escalate(self, item: DeadlineItem, *, level: EscalationLevel, now: dt.datetime) -> None:
        """Tell the next level up the item is overdue. Default: inbox + SMS per preference."""
        from haochaping.notifications.services import notify

        if item.unit is None:
            raise ValueError(f"deadline item {self.name}:{item.key} has no unit to escalate within")
        notify(
            recipients=escalation_recipients(level, unit=item.unit),
            message="deadline.escalated",
            url=item.url,
            sms=True,
            params={
                "item": item.label or item.key,
                "due": _local(item.due_at),
                "level": int(level),
            },
        )


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


_RULES: dict[str, DeadlineRule] = {}


def register_rule(rule: DeadlineRule) -> DeadlineRule:
    if not rule.name:
        raise ValueError("a deadline rule needs a name")
    if rule.name in _RULES and _RULES[rule.name] is not rule:
        raise ValueError(f"deadline rule {rule.name!r} is already registered")
    if any(not 0 < p < 1 for p in rule.warn_at):
        raise ValueError("warning points are shares of the window, strictly between 0 and 1")
    _RULES[rule.name] = rule
    return rule


def unregister_rule(name: str) -> None:
    _RULES.pop(name, None)


def registered_rules() -> list[DeadlineRule]:
    return list(_RULES.values())


@contextmanager
def rule_registered(rule: DeadlineRule) -> Iterator[DeadlineRule]:
    """Register ``rule`` for the duration of a block (tests)."""
    register_rule(rule)
    try:
        yield rule
    finally:
        unregister_rule(rule.name)


@dataclass
class SweepReport:
    items: int = 0
    warnings: int = 0
    escalations: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "items": self.items,
            "warnings": self.warnings,
            "escalations": self.escalations,
            "errors": self.errors,
        }


def run_deadline_sweep(
    *, now: dt.datetime | None = None, rules: Iterable[DeadlineRule] | None = None
) -> SweepReport:
    now = now or clock_now()
    report = SweepReport()
    for rule in list(rules if rules is not None else registered_rules()):
        try:
            items = iter(rule.due_items(now=now))
        except Exception:
            logger.exception("deadline rule %s could not list its items", rule.name)
            report.errors += 1
            continue
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except Exception:
                logger.exception("deadline rule %s failed while listing items", rule.name)
                report.errors += 1
                break
            report.items += 1
            try:
                kind = sweep_item(rule, item, now=now)
            except Exception:
                logger.exception("deadline rule %s failed on item %s", rule.name, item.key)
                report.errors += 1
                continue
            if kind == "warn":
                report.warnings += 1
            elif kind == "escalate":
                report.escalations += 1
    return report


def _mark(rule: DeadlineRule, item: DeadlineItem, marker: str, now: dt.datetime) -> bool:
    """Insert the marker; False when it exists already (sent before)."""
    try:
        with transaction.atomic():
            DeadlineMarker.objects.create(
                rule=rule.name, item_key=item.key, due_at=item.due_at, marker=marker, created_at=now
            )
    except IntegrityError:
        return False
    return True


def sweep_item(rule: DeadlineRule, item: DeadlineItem, *, now: dt.datetime) -> str | None:
    """Send at most one reminder or one escalation for ``item``. Returns "warn", "escalate" or None."""
    done = set(
        DeadlineMarker.objects.filter(
            rule=rule.name, item_key=item.key, due_at=item.due_at
        ).values_list("marker", flat=True)
    )
    if now >= item.due_at:
        overdue = now - item.due_at
        due_levels = 1 + int(overdue / rule.escalation_interval) if rule.escalation_interval else 99
        for value in range(1, min(due_levels, int(rule.max_level)) + 1):
            marker = f"escalate:{value}"
            if marker in done:
                continue
            with transaction.atomic():
                if not _mark(rule, item, marker, now):
                    return None
                rule.escalate(item, level=EscalationLevel(value), now=now)
            return "escalate"
        return None
    window = item.due_at - item.started_at
    passed = [
        p
        for p in sorted(rule.warn_at)
        if window.total_seconds() > 0 and now >= item.started_at + window * p
    ]
    if not passed or f"warn:{round(passed[-1] * 100)}" in done:
        return None
    with transaction.atomic():
        for point in passed:
            if not _mark(rule, item, f"warn:{round(point * 100)}", now) and point == passed[-1]:
                return None
        rule.warn(item, point=passed[-1], now=now)
    return "warn"


def deadline_level(rule_name: str, item_key: str, due_at: dt.datetime) -> int:
    """The highest escalation level already reached by an item (0: not escalated)."""
    markers = DeadlineMarker.objects.filter(
        rule=rule_name, item_key=item_key, due_at=due_at, marker__startswith="escalate:"
    ).values_list("marker", flat=True)
    return max((int(m.split(":")[1]) for m in markers), default=0)
