"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries on monthly-partitioned ratings, against an
unpartitioned copy of the same rows in the same database (docs/partitioning.md).

    .venv/bin/python bench/partitions.py --ratings 30000000 --months 24

Creates a scratch PostgreSQL database (``bench/scratchdb.py``), migrates it (ratings, rollup and
day summaries partitioned by month), creates the monthly partitions of the last ``--months``
months, then fills:

- the rollup, the day/month summaries, the case counts and 0.5 % bad ratings with their
  rectifications through ``bench/dashboard.py``'s generators (``generate``, one rollup count of
  ``--ratings`` ratings over the months);
- ``--ratings`` raw ratings spread evenly over the months (received a few seconds after their
  assessment; 90 % with a case id, a third with an idempotency key; sealed), loaded with set-based
  SQL into the partitioned parent with the indexes dropped and rebuilt once, and with
  ``session_replication_role = replica`` (no triggers, no foreign-key checks: case ids are
  synthetic, there are no case rows for them), then the key table ``ratings_ratingkey``.

``--compare`` copies ratings, the rollup and the day summaries into plain tables with the
pre-partitioning indexes (``plain_*``) and runs the same statements on them. Each query is run
three times and the last EXPLAIN is kept (warm cache). One JSON line per query and layout:
planning/execution ms, shared buffers hit/read, partitions scanned, indexes used. Checks that
at least 15 GB stay free on / before generating. Drops the database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import time

from dashboard import bench_client, build_org, generate
from scratchdb import bench_parser, emit, env_fields, scratch_from

DB_NAME = "part_bench_partitions"
BYTES_PER_RATING = 900  # heap + indexes + key table + plain copy, measured at 1M (rounded up)

GENERATE_RATINGS = """
WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM org_unit)
INSERT INTO ratings_rating (id, case_id, unit_id, stage, assess_number, level, option_codes,
    text, other_text, channel, is_paper, is_staff_entered, is_system_default, content_version_id,
    evaluator_type, evaluator_name, evaluator_cert_no, evaluator_mobile, is_anonymous, language,
    device_id, idempotency_key, assessed_at, received_at, receipt, validity, excluded_reason,
    is_public, content_hash, identity_hash)
SELECT n, CASE WHEN n %% 10 = 0 THEN NULL ELSE 1000000000 + n END,
       u.ids[1 + floor(random() * array_length(u.ids, 1))::int], 'completion', 1,
       CASE WHEN r < 0.70 THEN 'very_satisfied' WHEN r < 0.90 THEN 'satisfied'
            WHEN r < 0.995 THEN 'basic' WHEN r < 0.999 THEN 'dissatisfied'
            ELSE 'very_dissatisfied' END,
       '[]'::jsonb, '', '', (1 + n %% 7)::text, false, false, false, %(version)s, '1', '', '', '',
       false, 'zh-hans', '', CASE WHEN n %% 3 = 0 THEN 'ik' || n ELSE '' END,
       ts, ts + interval '20 seconds', 'P' || lpad(to_hex(n), 11, '0'), 'valid', '', true,
       'sealed', ''
FROM u, generate_series(%(first)s::bigint, %(last)s::bigint) AS n,
     LATERAL (SELECT %(start)s::timestamptz + (n - %(first)s) * %(step)s * interval '1 second' AS ts,
                     random() + 0 * n AS r) x
"""

PLAIN_RATING_INDEXES = [
    "ALTER TABLE plain_rating ADD PRIMARY KEY (id)",
    "ALTER TABLE plain_rating ADD CONSTRAINT plain_receipt_unique UNIQUE (receipt)",
    "CREATE UNIQUE INDEX plain_case_stage ON plain_rating (case_id, stage, assess_number) "
    "WHERE case_id IS NOT NULL",
    "CREATE UNIQUE INDEX plain_idem ON plain_rating (idempotency_key) WHERE idempotency_key <> ''",
    "CREATE INDEX plain_unit_assessed ON plain_rating (unit_id, assessed_at)",
    "CREATE INDEX plain_assessed ON plain_rating (assessed_at)",
    "CREATE INDEX plain_unsealed ON plain_rating (id) WHERE content_hash = ''",
]
PLAIN_COPIES = {
    "ratings_ratingrollup": [
        "ALTER TABLE plain_ratingrollup ADD PRIMARY KEY (id)",
        "ALTER TABLE plain_ratingrollup ADD UNIQUE (day, unit_id, item_key, window_key, "
        "staff_key, channel, level, origin, assess_number)",
        "CREATE INDEX ON plain_ratingrollup (day)",
    ],
    "results_unitdaycount": [
        "ALTER TABLE plain_unitdaycount ADD PRIMARY KEY (id)",
        "ALTER TABLE plain_unitdaycount ADD UNIQUE (day, unit_id, channel, level, origin, "
        "assess_number)",
    ],
    "results_reasondaycount": [
        "ALTER TABLE plain_reasondaycount ADD PRIMARY KEY (id)",
        "ALTER TABLE plain_reasondaycount ADD UNIQUE (day, unit_id, level, code)",
    ],
}


def plain_name(table: str) -> str:
    return "plain_" + table.split("_", 1)[1]


def months_back(this_month: dt.date, n: int) -> list[dt.date]:
    from haochaping.ratings.partitions import month_add

    return [month_add(this_month, -k) for k in range(n, 0, -1)]


def load_ratings(cur, *, ratings: int, months: list[dt.date]) -> dict:
    """``ratings`` raw ratings, evenly over ``months``, indexes rebuilt once at the end."""
    from haochaping.core.clock import LOCAL_TZ
    from haochaping.ratings.partitions import KEY_TABLE, month_add
    from haochaping.ratings.selectors import content_version_current

    version = content_version_current().pk
    t0 = time.perf_counter()
    index_defs = {}
    for table in ("ratings_rating", KEY_TABLE):
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), con.conname, "
            "pg_get_constraintdef(con.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid LEFT JOIN pg_constraint con "
            "ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u') "
            "WHERE i.indrelid = %s::regclass",
            [table],
        )
        index_defs[table] = cur.fetchall()
        for name, _d, constraint, _cd in index_defs[table]:
            if constraint:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            else:
                cur.execute(f'DROP INDEX "{name}"')
    per_month = ratings // len(months)
    cur.execute("SET maintenance_work_mem = '1GB'")  # the index rebuilds below, once each
    cur.execute("SET session_replication_role = replica")  # no triggers, no FK checks
    cur.execute("SELECT coalesce(max(id), 0) + 1 FROM ratings_rating")  # after the bad ones
    first = start_id = cur.fetchone()[0]
    for month in months:
        start = dt.datetime.combine(month, dt.time(0), tzinfo=LOCAL_TZ)
        end = dt.datetime.combine(month_add(month, 1), dt.time(0), tzinfo=LOCAL_TZ)
        step = (end - start).total_seconds() / per_month * 0.999
        cur.execute(
            GENERATE_RATINGS,
            {
                "version": version,
                "first": first,
                "last": first + per_month - 1,
                "start": start,
                "step": step,
            },
        )
        first += per_month
    cur.execute(
        f"INSERT INTO {KEY_TABLE} SELECT id, received_at, receipt, case_id, stage, "  # noqa: S608
        "assess_number, idempotency_key FROM ratings_rating WHERE id >= %s",
        [start_id],
    )
    cur.execute("SET session_replication_role = origin")
    t_load = time.perf_counter() - t0
    for table, defs in index_defs.items():
        for _name, definition, constraint, constraint_def in defs:
            if constraint:
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}')
            else:  # a partitioned index's definition says ON ONLY: build it on every partition
                cur.execute(definition.replace(" ON ONLY ", " ON ", 1))
    cur.execute("SELECT setval('ratings_rating_id_seq', (SELECT max(id) FROM ratings_rating))")
    return {
        "raw_ratings": first - start_id,
        "load_s": round(t_load, 1),
        "index_s": round(time.perf_counter() - t0 - t_load, 1),
    }


def make_plain_copies(cur) -> dict:
    t0 = time.perf_counter()
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("CREATE TABLE plain_rating (LIKE ratings_rating INCLUDING DEFAULTS)")
    cur.execute("INSERT INTO plain_rating SELECT * FROM ratings_rating")
    for sql in PLAIN_RATING_INDEXES:
        cur.execute(sql)
    for table, statements in PLAIN_COPIES.items():
        plain = plain_name(table)
        cur.execute(f"CREATE TABLE {plain} (LIKE {table} INCLUDING DEFAULTS)")
        cur.execute(f"INSERT INTO {plain} SELECT * FROM {table}")  # noqa: S608
        for sql in statements:
            cur.execute(sql)
    for table in ("plain_rating", *(plain_name(t) for t in PLAIN_COPIES)):
        cur.execute(f"VACUUM ANALYZE {table}")
    return {"plain_copy_s": round(time.perf_counter() - t0, 1)}


def plan_facts(plan: dict) -> dict:
    """Partitions scanned, indexes used and buffers of one EXPLAIN (FORMAT JSON) plan."""
    relations, indexes, nodes = set(), set(), []

    def walk(node):
        nodes.append(node["Node Type"])
        if "Relation Name" in node:
            relations.add(node["Relation Name"])
        if "Index Name" in node:
            indexes.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    top = plan["Plan"]
    return {
        "planning_ms": round(plan.get("Planning Time", 0), 3),
        "execution_ms": round(plan.get("Execution Time", 0), 3),
        "relations_scanned": len(relations),
        "relations": sorted(relations)[:6],
        "indexes": sorted(indexes)[:6],
        "seq_scan": "Seq Scan" in nodes,
        "buffers_hit": top.get("Shared Hit Blocks", 0),
        "buffers_read": top.get("Shared Read Blocks", 0),
        "rows": top.get("Actual Rows", 0),
    }


def explain(cur, sql: str, params: list | None = None, runs: int = 3) -> tuple[dict, str]:
    for _ in range(runs):
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params or [])
        plan = cur.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    cur.execute(
        f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params or []
    )
    text = "\n".join(row[0] for row in cur.fetchall())
    return plan_facts(plan), text


def hot_queries(cur, skew_seconds: int) -> dict[str, tuple[str, list]]:
    """The statements the application sends for its hot paths, with values from the data."""
    cur.execute(
        "SELECT id, receipt, case_id, received_at, unit_id FROM ratings_rating "
        "WHERE case_id IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET 1000"
    )
    rid, receipt, case_id, received_at, unit_id = cur.fetchone()
    cur.execute(
        "SELECT id, received_at FROM ratings_rating WHERE id = (SELECT min(id) + 5 FROM ratings_rating)"
    )
    old_id, old_received = cur.fetchone()
    cur.execute(
        "SELECT idempotency_key FROM ratings_rating WHERE idempotency_key <> '' ORDER BY id DESC LIMIT 1 OFFSET 77"
    )
    key = cur.fetchone()[0]
    from haochaping.core.clock import LOCAL_TZ
    from haochaping.ratings.partitions import month_add

    month = received_at.astimezone(LOCAL_TZ).date().replace(day=1)
    lower = dt.datetime.combine(month, dt.time(0), tzinfo=LOCAL_TZ)
    upper = dt.datetime.combine(month_add(month, 1), dt.time(0), tzinfo=LOCAL_TZ)
    return {
        "rating_by_id (recent)": ("SELECT * FROM {rating} WHERE id = %s", [rid]),
        "rating_by_id (oldest month)": ("SELECT * FROM {rating} WHERE id = %s", [old_id]),
        "rating_by_id_and_received_at": (
            "SELECT * FROM {rating} WHERE id = %s AND received_at = %s",
            [old_id, old_received],
        ),
        "rating_by_receipt": ("SELECT * FROM {rating} WHERE receipt = %s", [receipt]),
        "rating_by_receipt via key table": (
            "SELECT r.* FROM ratings_ratingkey k JOIN {rating} r ON r.id = k.id "
            "AND r.received_at = k.received_at WHERE k.receipt = %s",
            [receipt],
        ),
        "already_rated (case + stage + number)": (
            "SELECT 1 FROM {rating} WHERE case_id = %s AND stage = 'completion' "
            "AND assess_number = 1 LIMIT 1",
            [case_id],
        ),
        "idempotency_key replay": (
            "SELECT * FROM {rating} WHERE idempotency_key = %s LIMIT 1",
            [key],
        ),
        "unit_month_ratings (assessed_at only)": (
            "SELECT id, level, assessed_at FROM {rating} WHERE unit_id = %s AND assessed_at >= %s "
            "AND assessed_at < %s ORDER BY assessed_at DESC LIMIT 50",
            [unit_id, lower, upper],
        ),
        "unit_month_ratings (+ received_at bound)": (
            "SELECT id, level, assessed_at FROM {rating} WHERE unit_id = %s AND assessed_at >= %s "
            "AND assessed_at < %s AND received_at >= %s ORDER BY assessed_at DESC LIMIT 50",
            [unit_id, lower, upper, lower - dt.timedelta(seconds=skew_seconds)],
        ),
        "unit_month_count (+ received_at bound)": (
            "SELECT level, count(*) FROM {rating} WHERE unit_id = %s AND assessed_at >= %s "
            "AND assessed_at < %s AND received_at >= %s GROUP BY level",
            [unit_id, lower, upper, lower - dt.timedelta(seconds=skew_seconds)],
        ),
        "unsealed ratings (audit sealer)": (
            "SELECT id FROM {rating} WHERE content_hash = '' ORDER BY id LIMIT 500",
            [],
        ),
    }


def dashboard_statements(client, period_key: str) -> list[str]:
    """The SQL the city overview and the unit ranking send (captured through Django)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        for url in (
            f"/results/?grain=month&period={period_key}",
            f"/results/rankings/?kind=unit&grain=month&period={period_key}",
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
    wanted = (
        "ratings_ratingrollup",
        "results_unitdaycount",
        "results_reasondaycount",
        "results_unitmonthcount",
        "ratings_rating ",
    )
    seen, out = set(), []
    for q in ctx.captured_queries:
        sql = q["sql"]
        if sql.startswith("SELECT") and any(t in sql for t in wanted) and sql not in seen:
            seen.add(sql)
            out.append(sql)
    return out


def plainify(sql: str) -> str:
    sql = re.sub(r'"?ratings_rating"?(?=[\s."])', "plain_rating", sql)
    for table in PLAIN_COPIES:
        sql = re.sub(rf'"?{table}"?(?=[\s."])', plain_name(table), sql)
    return sql


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--ratings", type=int, default=30_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--per-row", type=int, default=4, help="ratings per rollup row")
    parser.add_argument("--compare", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--plans", default="", help="write the text plans to this file")
    args = parser.parse_args()
    if args.db != "postgresql":
        parser.error("partitions exist on PostgreSQL only")
    free = shutil.disk_usage("/").free
    need = args.ratings * BYTES_PER_RATING * (2 if args.compare else 1)
    if free - need < 15 * 2**30:
        parser.error(f"{free / 2**30:.0f} GB free, {need / 2**30:.0f} GB needed: keep 15 GB free")
    emit(
        step="start",
        ratings=args.ratings,
        months=args.months,
        free_gb=round(free / 2**30),
        **env_fields(),
    )
    with scratch_from(args, DB_NAME):
        from django.db import connection, transaction

        from haochaping.core.clock import today
        from haochaping.ratings import partitions
        from haochaping.ratings.conf import rating_setting
        from haochaping.results.periods import period_containing

        emit(step="org", **build_org())
        client = bench_client()
        this_month = partitions.month_start(partitions.local_today())
        months = months_back(this_month, args.months)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for spec in partitions.PARTITIONED:
                for month in months:
                    partitions.partition_create(cur, spec, month)
        partitions.create_ahead()
        days = (this_month - months[0]).days
        with transaction.atomic(), connection.cursor() as cur:
            gen = generate(
                cur, days=days, per_day=args.ratings // days, per_row=args.per_row, end=this_month
            )
        emit(step="rollups", **gen)
        with connection.cursor() as cur:  # generate() re-creates it "ON ONLY" the parent
            cur.execute("DROP INDEX IF EXISTS rating_rollup_day_idx")
            cur.execute("CREATE INDEX rating_rollup_day_idx ON ratings_ratingrollup (day)")
        with transaction.atomic(), connection.cursor() as cur:
            loaded = load_ratings(cur, ratings=args.ratings, months=months)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE ratings_rating")
            cur.execute("VACUUM ANALYZE ratings_ratingkey")
            for spec in partitions.PARTITIONED[1:]:
                cur.execute(f"VACUUM ANALYZE {spec.table}")
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
        emit(
            step="data",
            **loaded,
            generate_s=round(time.perf_counter() - t0, 1),
            db_gb=round(size / 2**30, 2),
        )
        if args.compare:
            with connection.cursor() as cur:
                copied = make_plain_copies(cur)
                cur.execute("SELECT pg_database_size(current_database())")
                emit(step="plain_copies", **copied, db_gb=round(cur.fetchone()[0] / 2**30, 2))
        layouts = {"partitioned": lambda s: s}
        if args.compare:
            layouts["plain"] = plainify
        texts = []
        period = period_containing("month", today()).previous()
        with connection.cursor() as cur:
            queries = hot_queries(cur, int(rating_setting("CLOCK_SKEW_SECONDS")))
            for name, (sql, params) in queries.items():
                for layout, rewrite in layouts.items():
                    table = "ratings_rating" if layout == "partitioned" else "plain_rating"
                    facts, text = explain(cur, rewrite(sql.format(rating=table)), params)
                    emit(step="explain", query=name, layout=layout, **facts)
                    texts.append(f"-- {name} [{layout}]\n{text}\n")
            for i, sql in enumerate(dashboard_statements(client, period.key)):
                for layout, rewrite in layouts.items():
                    facts, text = explain(cur, rewrite(sql))
                    emit(
                        step="explain",
                        query=f"dashboard #{i + 1}",
                        layout=layout,
                        sql=sql[:160],
                        **facts,
                    )
                    texts.append(f"-- dashboard #{i + 1} [{layout}]\n{rewrite(sql)}\n{text}\n")
        if args.plans:
            with open(args.plans, "w", encoding="utf-8") as fh:
                fh.write("\n".join(texts))
        emit(step="done", **env_fields())


if __name__ == "__main__":
    main()
