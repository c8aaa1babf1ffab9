"""The deadline sweep: reminders before stored deadlines, escalation after them.

Domain apps (rectification, appeals, supplementary ratings ...) register a :class:`DeadlineRule`
in their ``AppConfig.ready()``::

    from haochaping.jobs.deadlines import DeadlineItem, DeadlineRule, register_rule

    class ContactDeadline(DeadlineRule):
        name = "rectification.contact"
        warn_at = (0.5, 0.8)                     # share of the window used
        escalation_interval = dt.timedelta(days=1)

        def due_items(self, *, now):
            # Light: ids and times of the rows whose first warning point or deadline has passed.
            qs = self.something_due(Rectification.objects.filter(status__in=OPEN),
                                    start_field="contact_started_at",
                                    due_field="contact_due_at", now=now)
            for pk, started, due in qs.values_list("pk", "contact_started_at",
                                                   "contact_due_at").iterator():
                yield DeadlineItem(key=str(pk), started_at=started, due_at=due, extra={"id": pk})

        def resolve(self, item):  # only when a hook fires: unit, assignees, label, url
            r = Rectification.objects.select_related("unit").get(pk=item.extra["id"])
            return replace(item, unit=r.unit, assignee_ids=(r.handler_id,), label=r.label,
                           url=r.get_absolute_url())

    register_rule(ContactDeadline())

The ``deadline-sweep`` periodic job (every minute) calls :func:`run_deadline_sweep`. Its cost
does not grow with the open items that have nothing to send: rules list lightly and only what
may be due, markers are read in bulk (one query per :data:`MARKER_CHUNK` keys), and ``resolve``
plus the hook run only for an item with a warning or an escalation to send. For each item:

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
from django.db.models import DateTimeField, Expression, F, Q, QuerySet

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
        """Open items whose warning points or deadline may have passed (an index scan).

        List lightly (``values()``: key, the two times, ids in ``extra``) and leave the unit,
        assignees, label and url to :meth:`resolve`, which runs only when a hook fires."""
        raise NotImplementedError

    def resolve(self, item: DeadlineItem) -> DeadlineItem:
        """The item with what the hooks need (unit, assignees, label, url); runs inside the
        hook's transaction, only for items that have something to send. Default: as listed."""
        return item

    def something_due(
        self, qs: QuerySet, *, start_field: str, due_field: str, now: dt.datetime
    ) -> QuerySet:
        """``qs`` filtered to rows whose first warning point or deadline has passed at ``now``.

        first warning = start + (due − start) × min(warn_at), computed by the database
        (SQLite and PostgreSQL), so untouched items are not even fetched. One second of slack
        so rounding never hides an item: the exact decision is made in Python."""
        if not self.warn_at:
            return qs.filter(**{f"{due_field}__lte": now})
        first_warning = FirstWarning(start_field, due_field, min(self.warn_at))
        return qs.alias(deadline_first_warning=first_warning).filter(
            Q(**{f"{due_field}__lte": now})
            | Q(deadline_first_warning__lte=now + dt.timedelta(seconds=1))
        )

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


class FirstWarning(Expression):
    """start + (due − start) × share for two timestamp columns, computed by the database."""

    output_field = DateTimeField()

    def __init__(self, start: str, due: str, share: float) -> None:
        super().__init__()
        self.start, self.due, self.share = F(start), F(due), float(share)

    def get_source_expressions(self) -> list[Any]:
        return [self.start, self.due]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        self.start, self.due = exprs

    def _compile(self, compiler: Any, template: str) -> tuple[str, list[Any]]:
        start, start_params = compiler.compile(self.start)
        due, due_params = compiler.compile(self.due)
        assert not start_params and not due_params  # plain columns  # noqa: S101
        return template.format(start=start, due=due, share=repr(self.share)), []

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # PostgreSQL: timestamptz + interval × float
        return self._compile(compiler, "({start} + ({due} - {start}) * {share})")

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # timestamps are text "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC): compute on julian days and
        # format back to text of the same shape, so the comparison with a parameter holds
        return self._compile(
            compiler,
            "strftime('%%Y-%%m-%%d %%H:%%M:%%f', "
            "julianday({start}) + (julianday({due}) - julianday({start})) * {share})",
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


MARKER_CHUNK = 500  # item keys per marker query


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
        listing = True
        while listing:
            chunk: list[DeadlineItem] = []
            while len(chunk) < MARKER_CHUNK:
                try:
                    chunk.append(next(items))
                except StopIteration:
                    listing = False
                    break
                except Exception:
                    logger.exception("deadline rule %s failed while listing items", rule.name)
                    report.errors += 1
                    listing = False
                    break
            report.items += len(chunk)
            _sweep_chunk(rule, chunk, now=now, report=report)
    return report


def _something_due(rule: DeadlineRule, item: DeadlineItem, now: dt.datetime) -> bool:
    """From the item's own times: the deadline or at least one warning point has passed."""
    if now >= item.due_at:
        return True
    window = item.due_at - item.started_at
    return (
        bool(rule.warn_at)
        and window.total_seconds() > 0
        and (now >= item.started_at + window * min(rule.warn_at))
    )


def _markers(rule: DeadlineRule, items: list[DeadlineItem]) -> dict[tuple[str, dt.datetime], set]:
    """The markers already set for ``items``, in one query: (key, due_at) → {"warn:50", ...}."""
    done: dict[tuple[str, dt.datetime], set] = {}
    if not items:
        return done
    rows = DeadlineMarker.objects.filter(
        rule=rule.name, item_key__in={item.key for item in items}
    ).values_list("item_key", "due_at", "marker")
    for key, due_at, marker in rows:
        done.setdefault((key, due_at), set()).add(marker)
    return done


def _sweep_chunk(
    rule: DeadlineRule, chunk: list[DeadlineItem], *, now: dt.datetime, report: SweepReport
) -> None:
    candidates = []
    for item in chunk:
        try:
            if _something_due(rule, item, now):
                candidates.append(item)
        except Exception:
            logger.exception("deadline rule %s failed on item %s", rule.name, item.key)
            report.errors += 1
    try:
        done = _markers(rule, candidates)
    except Exception:
        logger.exception("deadline rule %s could not read its markers", rule.name)
        report.errors += 1
        return
    for item in candidates:
        try:
            kind = sweep_item(rule, item, now=now, done=done.get((item.key, item.due_at), set()))
        except Exception:
            logger.exception("deadline rule %s failed on item %s", rule.name, item.key)
            report.errors += 1
            continue
        if kind == "warn":
            report.warnings += 1
        elif kind == "escalate":
            report.escalations += 1


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


def sweep_item(
    rule: DeadlineRule, item: DeadlineItem, *, now: dt.datetime, done: set[str] | None = None
) -> str | None:
    """Send at most one reminder or one escalation for ``item``. Returns "warn", "escalate" or None.

    ``done``: the item's markers when the caller read them in bulk (else one query here). The
    hooks get the item through :meth:`DeadlineRule.resolve`, only when something is sent.
    """
    if done is None:
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
                rule.escalate(rule.resolve(item), level=EscalationLevel(value), now=now)
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
        rule.warn(rule.resolve(item), point=passed[-1], now=now)
    return "warn"


def deadline_level(rule_name: str, item_key: str, due_at: dt.datetime) -> int:
    """The highest escalation level already reached by an item (0: not escalated)."""
    markers = DeadlineMarker.objects.filter(
        rule=rule_name, item_key=item_key, due_at=due_at, marker__startswith="escalate:"
    ).values_list("marker", flat=True)
    return max((int(m.split(":")[1]) for m in markers), default=0)
