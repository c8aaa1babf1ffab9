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
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, Expression, F, Q, QuerySet

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.clock import now as clock_now
from haochaping.jobs.conf import jobs_setting
from haochaping.jobs.escalation import (
    EscalationLevel,
    escalation_recipient_list,
    escalation_recipients,
    recipients_cached_for_pass,
)
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

    # --- batched hooks: the sweep sends up to SEND_BATCH items at once -------------------------

    def resolve_many(self, items: list[DeadlineItem]) -> list[DeadlineItem]:
        """:meth:`resolve` for many items, in order. Override with one query for all of them."""
        return [self.resolve(item) for item in items]

    def warn_many(self, sends: list[tuple[DeadlineItem, float]], *, now: dt.datetime) -> None:
        """:meth:`warn` for many (resolved item, point); one transaction for the batch.

        Override together with :meth:`warn` (same rows, written in bulk); a rule that overrides
        only :meth:`warn` gets it called per item; one that overrides neither sends in bulk."""
        if type(self).warn is DeadlineRule.warn:
            self.notify_warnings(sends, now=now)
            return
        for item, point in sends:
            self.warn(item, point=point, now=now)

    def escalate_many(
        self, sends: list[tuple[DeadlineItem, EscalationLevel]], *, now: dt.datetime
    ) -> None:
        """:meth:`escalate` for many (resolved item, level); see :meth:`warn_many`."""
        if type(self).escalate is DeadlineRule.escalate:
            self.notify_escalations(sends, now=now)
            return
        for item, level in sends:
            self.escalate(item, level=level, now=now)

    def notify_warnings(self, sends: list[tuple[DeadlineItem, float]], *, now: dt.datetime) -> None:
        """What the default :meth:`warn` sends, for many items in bulk (inbox + SMS rows)."""
        from haochaping.accounts.models import User
        from haochaping.notifications.services import NotifyDelivery, notify_many

        ids = {pk for item, _point in sends for pk in item.assignee_ids}
        users = {
            u.pk: u
            for u in User.objects.filter(pk__in=ids, is_active=True).select_related(
                "notification_preference", "staff"
            )
        }
        deliveries = []
        for item, point in sends:
            recipients = [users[pk] for pk in dict.fromkeys(item.assignee_ids) if pk in users]
            if not recipients and item.unit is not None:
                recipients = escalation_recipient_list(EscalationLevel.HANDLER, unit=item.unit)
            params = {
                "item": item.label or item.key,
                "due": _local(item.due_at),
                "percent": round(point * 100),
            }
            deliveries.append(NotifyDelivery(recipients=recipients, params=params, url=item.url))
        notify_many(message="deadline.warning", deliveries=deliveries, sms=True)

    def notify_escalations(
        self, sends: list[tuple[DeadlineItem, EscalationLevel]], *, now: dt.datetime
    ) -> None:
        """What the default :meth:`escalate` sends, for many items in bulk (inbox + SMS rows);
        recipients are resolved once per (level, unit) in a sweep pass."""
        from haochaping.notifications.services import NotifyDelivery, notify_many

        deliveries = []
        for item, level in sends:
            if item.unit is None:
                raise ValueError(
                    f"deadline item {self.name}:{item.key} has no unit to escalate within"
                )
            params = {
                "item": item.label or item.key,
                "due": _local(item.due_at),
                "level": int(level),
            }
            deliveries.append(
                NotifyDelivery(
                    recipients=escalation_recipient_list(level, unit=item.unit),
                    params=params,
                    url=item.url,
                )
            )
        notify_many(message="deadline.escalated", deliveries=deliveries, sms=True)


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
    deferred: int = 0  # 1: the pass stopped on its budget, the next one goes on

    def as_dict(self) -> dict[str, int]:
        counts = {
            "items": self.items,
            "warnings": self.warnings,
            "escalations": self.escalations,
            "errors": self.errors,
        }
        if self.deferred:  # only then, so the usual result reads as before
            counts["deferred"] = self.deferred
        return counts


MARKER_CHUNK = 500  # item keys per marker query
SEND_BATCH = 100  # items sent per transaction (markers, hooks, inbox and SMS rows in bulk)


class _Budget:
    """The pass's budget: it stops sending after ``SWEEP_MAX_SECONDS`` or ``SWEEP_MAX_SENDS``."""

    def __init__(self) -> None:
        self.until = time.monotonic() + float(jobs_setting("SWEEP_MAX_SECONDS") or "inf")
        self.sends_left = int(jobs_setting("SWEEP_MAX_SENDS") or 0) or None
        self.stopped = False

    def spent(self) -> bool:
        if time.monotonic() >= self.until or self.sends_left == 0:
            self.stopped = True
        return self.stopped

    def take(self, wanted: int) -> int:
        if self.sends_left is None:
            return wanted
        taken = min(wanted, self.sends_left)
        self.sends_left -= taken
        self.stopped = self.stopped or taken < wanted
        return taken


def run_deadline_sweep(
    *, now: dt.datetime | None = None, rules: Iterable[DeadlineRule] | None = None
) -> SweepReport:
    now = now or clock_now()
    report = SweepReport()
    budget = _Budget()
    with recipients_cached_for_pass():
        for rule in list(rules if rules is not None else registered_rules()):
            if budget.spent():
                break
            _sweep_rule(rule, now=now, report=report, budget=budget)
    report.deferred = int(budget.stopped)
    return report


def _sweep_rule(
    rule: DeadlineRule, *, now: dt.datetime, report: SweepReport, budget: _Budget
) -> None:
    try:
        items = iter(rule.due_items(now=now))
    except Exception:
        logger.exception("deadline rule %s could not list its items", rule.name)
        report.errors += 1
        return
    listing = True
    while listing:
        if budget.spent():
            return
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
        _sweep_chunk(rule, chunk, now=now, report=report, budget=budget)


def _warn_points_passed(rule: DeadlineRule, item: DeadlineItem, now: dt.datetime) -> list[float]:
    """The rule's warning points (shares of the item's window) that ``now`` has passed, ascending."""
    window = item.due_at - item.started_at
    return [
        p
        for p in sorted(rule.warn_at)
        if window.total_seconds() > 0 and now >= item.started_at + window * p
    ]


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


@dataclass(frozen=True)
class _Send:
    """What one item has to send in this pass: the markers to insert (the sending one last)."""

    item: DeadlineItem
    done: frozenset[str]
    kind: str  # "warn" or "escalate"
    markers: tuple[str, ...]
    point: float = 0.0
    level: int = 0


def _plan(rule: DeadlineRule, item: DeadlineItem, now: dt.datetime, done: set[str]) -> _Send | None:
    """The decision of :func:`sweep_item`, without writing: at most one reminder or escalation."""
    if now >= item.due_at:
        overdue = now - item.due_at
        due_levels = 1 + int(overdue / rule.escalation_interval) if rule.escalation_interval else 99
        for value in range(1, min(due_levels, int(rule.max_level)) + 1):
            marker = f"escalate:{value}"
            if marker not in done:
                return _Send(item, frozenset(done), "escalate", (marker,), level=value)
        return None
    passed = _warn_points_passed(rule, item, now)
    if not passed or f"warn:{round(passed[-1] * 100)}" in done:
        return None
    markers = tuple(f"warn:{round(p * 100)}" for p in passed)
    return _Send(
        item,
        frozenset(done),
        "warn",
        tuple(m for m in markers[:-1] if m not in done) + markers[-1:],
        point=passed[-1],
    )


def _sweep_chunk(
    rule: DeadlineRule,
    chunk: list[DeadlineItem],
    *,
    now: dt.datetime,
    report: SweepReport,
    budget: _Budget | None = None,
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
    sends: list[_Send] = []
    keys: set[str] = set()
    for item in candidates:
        try:
            send = _plan(rule, item, now, done.get((item.key, item.due_at), set()))
        except Exception:
            logger.exception("deadline rule %s failed on item %s", rule.name, item.key)
            report.errors += 1
            continue
        if send is None:
            continue
        if item.key in keys:  # listed twice (two deadlines of one key): alone, after the batch
            sends.append(replace(send, kind="single"))
            continue
        keys.add(item.key)
        sends.append(send)
    budget = budget or _Budget()
    for start in range(0, len(sends), SEND_BATCH):
        if budget.spent():
            return
        batch = sends[start : start + SEND_BATCH]
        batch = batch[: budget.take(len(batch))]
        _send_batch(rule, [s for s in batch if s.kind != "single"], now=now, report=report)
        for send in batch:
            if send.kind == "single":
                _send_one(rule, send, now=now, report=report)


def _insert_markers(rule: DeadlineRule, sends: list[_Send], now: dt.datetime) -> set[tuple]:
    """Insert the markers of ``sends`` in one statement; returns the (key, marker) inserted.

    A marker that exists already (sent by an earlier pass, or by an overlapping one: PostgreSQL
    waits for that transaction, as for a single INSERT) is skipped by ``ON CONFLICT DO NOTHING``
    on the unique ``deadline_marker_once``. Rows in key order, so two overlapping passes lock the
    same keys in the same order."""
    rows = sorted({(s.item.key, s.item.due_at, m) for s in sends for m in s.markers})
    if not rows:
        return set()
    meta = DeadlineMarker._meta
    qn = connection.ops.quote_name
    due = meta.get_field("due_at")
    created = due.get_db_prep_value(now, connection)
    params: list[Any] = []
    for key, due_at, marker in rows:
        params += [rule.name, key, due.get_db_prep_value(due_at, connection), marker, created]
    columns = ", ".join(qn(c) for c in ("rule", "item_key", "due_at", "marker", "created_at"))
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608 - model names
        f"ON CONFLICT DO NOTHING RETURNING {qn('item_key')}, {qn('marker')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row) for row in cursor.fetchall()}


def _send_batch(
    rule: DeadlineRule, sends: list[_Send], *, now: dt.datetime, report: SweepReport
) -> None:
    """Send a batch in one transaction: markers, ``resolve_many``, ``warn_many`` and
    ``escalate_many``. When anything fails, nothing of the batch is kept and its items are sent
    one by one (:func:`sweep_item`), so a failing item costs only itself."""
    if not sends:
        return
    try:
        with transaction.atomic():
            inserted = _insert_markers(rule, sends, now)
            fire = [s for s in sends if (s.item.key, s.markers[-1]) in inserted]
            resolved = rule.resolve_many([s.item for s in fire])
            warns = [(r, s.point) for r, s in zip(resolved, fire, strict=True) if s.kind == "warn"]
            escalations = [
                (r, EscalationLevel(s.level))
                for r, s in zip(resolved, fire, strict=True)
                if s.kind == "escalate"
            ]
            if warns:
                rule.warn_many(warns, now=now)
            if escalations:
                rule.escalate_many(escalations, now=now)
    except Exception:
        logger.warning(
            "deadline rule %s: a batch of %d failed; sending its items one by one",
            rule.name,
            len(sends),
            exc_info=True,
        )
        for send in sends:
            _send_one(rule, send, now=now, report=report)
        return
    report.warnings += len(warns)
    report.escalations += len(escalations)


def _send_one(rule: DeadlineRule, send: _Send, *, now: dt.datetime, report: SweepReport) -> None:
    try:
        kind = sweep_item(rule, send.item, now=now, done=set(send.done))
    except Exception:
        logger.exception("deadline rule %s failed on item %s", rule.name, send.item.key)
        report.errors += 1
        return
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
    passed = _warn_points_passed(rule, item, now)
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
