"""The deadline sweep with 100,000 open rectification items (goal: one sweep under 1 s).

    .venv/bin/python bench/sweep.py [--db sqlite|postgresql] [--items 100000] [--warn-share 0.01]
                                    [--repeat 3] [--admin-url postgres://...] [--keep]

A scratch database (bench/scratchdb.py) is migrated; an org tree, the shipped working-day
calendar, a handler and ONE bad rating are made through the real services (so the rating opens a
real rectification). That case, rating and rectification are then copied ``--items - 1`` times in
set-based SQL (fixture volume, not code under test; on PostgreSQL with triggers off for the copy)
and their clocks spread over the next 100 days' worth of groups: one third each on the contact,
feedback and close clocks, due 1 to 20 days ahead, and ``--warn-share`` of them past their 50 %
warning point. Then, in this one process, JSON lines:

- ``baseline``: the cheapest read of the same open items (ids and the three due columns);
- ``listing``: the rules' own ``due_items()`` iterated, nothing sent (what every sweep reads);
- ``first_sweep``: ``run_deadline_sweep`` when the warnings become due (sends them: inbox, SMS
  outbox, timeline rows, markers);
- ``steady_sweep`` (``--repeat`` times, median): the same sweep a minute later, nothing new to
  send — the every-minute cost, which the goal is about. ``ratio`` = steady / baseline.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from scratchdb import bench_parser, emit, env_fields, scratch_from

GROUPS = 100  # due-date groups; group 0 is the one past its warning point


def build(items: int, warn_share: float, db: str) -> dict:
    from django.db import connection, transaction

    from haochaping.accounts.enums import Role
    from haochaping.cases.models import Case
    from haochaping.ratings.models import Rating
    from haochaping.rectification.enums import Status
    from haochaping.rectification.models import Rectification
    from haochaping.rectification.tests.helpers import bad_rating
    from haochaping.testing.builders import build_org_tree, make_user
    from haochaping.workdays.models import CalendarEntry
    from haochaping.workdays.services import calendar_load_shipped

    if not CalendarEntry.objects.exists():
        calendar_load_shipped()
    tree = build_org_tree()
    make_user("bench-handler", Role.HANDLER, scope_unit=tree.police)
    rating = bad_rating(tree)
    rect = Rectification.objects.get(rating=rating)
    q = connection.ops.quote_name
    copies = items - 1
    base = 10_000_000  # ids of the copies: base + i, i = 1 .. copies

    def copy_sql(model, overrides: dict[str, str]) -> str:
        with connection.cursor() as cur:  # the table as migrated (not the model as edited)
            desc = connection.introspection.get_table_description(cur, model._meta.db_table)
        cols = [c.name for c in desc]
        exprs = [overrides.get(c, f"t.{q(c)}") for c in cols]
        table = q(model._meta.db_table)
        return (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {copies}) "  # noqa: S608
            f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) "
            f"SELECT {', '.join(exprs)} FROM {table} t, s WHERE t.id = %s"
        )

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if db == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")  # no triggers, no FK checks
        cur.execute(
            copy_sql(Case, {"id": f"{base} + i", "project_no": "t.project_no || '-' || i"}),
            [rating.case_id],
        )
        cur.execute(
            copy_sql(
                Rating,
                {
                    "id": f"{base} + i",
                    "case_id": f"{base} + i",
                    "receipt": "'B' || i",
                    "idempotency_key": "CASE WHEN t.idempotency_key = '' THEN '' "
                    "ELSE t.idempotency_key || '-' || i END",
                },
            ),
            [rating.pk],
        )
        cur.execute(
            copy_sql(
                Rectification,
                {"id": f"{base} + i", "rating_id": f"{base} + i", "case_id": f"{base} + i"},
            ),
            [rect.pk],
        )
    now = dt.datetime.now(dt.UTC)
    warn_groups = max(1, round(GROUPS * warn_share))
    clocks = [
        ("contact", Status.NEW),
        ("feedback", Status.RECTIFYING),
        ("close", Status.AWAITING_CALLBACK),
    ]
    with transaction.atomic():
        for g in range(GROUPS):
            for k, (clock, status) in enumerate(clocks):
                if g < warn_groups:  # 75 % of the window used: the 50 % warning is due
                    started, due = now - dt.timedelta(days=3), now + dt.timedelta(days=1)
                else:
                    started = now - dt.timedelta(hours=1)
                    due = now + dt.timedelta(days=1 + g % 20, hours=g)
                Rectification.objects.extra(
                    where=["(id %% %s) = %s"], params=[GROUPS * 3, g * 3 + k]
                ).update(
                    status=status,
                    **{f"{clock}_started_at": started, f"{clock}_due_at": due},
                )
    open_items = Rectification.objects.filter(status__in=Status.open_values()).count()
    return {"open_items": open_items, "fixture_s": round(time.perf_counter() - t0, 1)}


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--warn-share", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with scratch_from(args, "haochaping_bench_sweep"):
        from haochaping.core.clock import now as clock_now
        from haochaping.jobs.deadlines import registered_rules, run_deadline_sweep
        from haochaping.rectification.enums import Status
        from haochaping.rectification.models import Rectification

        built = build(args.items, args.warn_share, args.db)
        emit(scenario="sweep", step="fixture", db=args.db, **built, **env_fields())
        now = clock_now()
        scan = Rectification.objects.filter(status__in=Status.open_values()).values_list(
            "pk", "contact_due_at", "feedback_due_at", "close_due_at"
        )
        base_s = min(timed(lambda: sum(1 for _ in scan.iterator()))[0] for _ in range(3))
        emit(scenario="sweep", step="baseline", db=args.db, seconds=round(base_s, 3))
        list_s, listed = timed(
            lambda: sum(1 for rule in registered_rules() for _ in rule.due_items(now=now))
        )
        emit(scenario="sweep", step="listing", db=args.db, items=listed, seconds=round(list_s, 3))
        first_s, report = timed(lambda: run_deadline_sweep(now=now))
        emit(
            scenario="sweep",
            step="first_sweep",
            db=args.db,
            seconds=round(first_s, 3),
            **report.as_dict(),
        )
        steady = []
        for n in range(args.repeat):
            later = now + dt.timedelta(minutes=1 + n)
            seconds, report = timed(lambda later=later: run_deadline_sweep(now=later))
            steady.append(seconds)
        median = statistics.median(steady)
        emit(
            scenario="sweep",
            step="steady_sweep",
            db=args.db,
            seconds=round(median, 3),
            runs=[round(s, 3) for s in steady],
            **report.as_dict(),
            baseline_s=round(base_s, 3),
            ratio=round(median / base_s, 1),
            goal_s=1.0,
            met=median < 1.0,
            **env_fields(),
        )


if __name__ == "__main__":
    main()
