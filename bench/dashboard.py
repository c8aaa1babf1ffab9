"""p95 of the city overview and the unit ranking at 1M and 30M ratings on PostgreSQL.

Generate and keep the two datasets (about 10 minutes, 30M is 7.4M rollup rows):

    .venv/bin/python bench/dashboard.py --scales 1000000,30000000 \
        --dbs bench_results_1m,bench_results_30m --per-row 4 --keep

Measure the kept datasets again (migrates them first, a no-op when up to date):

    .venv/bin/python bench/dashboard.py --reuse --dbs bench_results_1m,bench_results_30m \
        --requests 40 --rounds 4 --http --cached

Each scale has its own database, with an org shaped like Lhasa's (9 regions, 80 units, 20 halls,
400 windows, 1,600 staff, 2,000 service items). The data is generated **with set-based SQL** at
Lhasa's daily volume (``--per-day``, default 8,219 ratings a day, i.e. 30M over ten years; the
1M scale is the last 122 days of the same density):

- ``ratings_ratingrollup`` rows (day × unit × item × window × staff × channel × level × origin),
  whose counts sum to the scale's number of ratings; each row carries on average ``--per-row``
  ratings; loaded without the rollup's unique and day indexes (rebuilt once afterwards) and with
  the results triggers disabled, then ``results.services.summaries_rebuild(reasons=False)``
  builds the per-unit day and month summaries, as the triggers would have;
- raw ``ratings_rating`` rows only for bad reviews (0.5 % of ratings, each with its case and
  reason codes) and one ``rectification`` row each (closed, except the last 20 days' ones);
- ``results_casedaycount`` rows (completed / rated cases per unit and day).

Measurement, as a city superuser whose session passed the second factor, of the city overview
(``/results/?grain=month&period=<last complete month>``) and the unit ranking
(``/results/rankings/?kind=unit&...``): ``--rounds`` rounds, each visiting every scale in turn
(so both scales see the same machine load), ``--requests`` timed requests per page and scale in
all. Per page and scale: **server** time (in-process through Django's test client: middleware,
session and user, view, queries, templates; no HTTP), its **database** part (execute wrapper)
and query count, and with ``--http`` the **client-observed** time of the same page from one
gunicorn worker over loopback HTTP. ``--cached`` adds the pages with the dashboard cache on
(``HAOCHAPING_RESULTS["CACHE_SECONDS"] = 60``; in-process only). One JSON line per (scale,
page), then one per page with the ratio p95(30M) / p95(1M) and the 1-minute load average
before and after each round. Databases are dropped at the end unless ``--keep`` or ``--reuse``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scratchdb import DEFAULT_ADMIN_URL, emit, scratch_database

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "haochaping_bench_results"
UNITS, HALLS, WINDOWS_PER_HALL, STAFF_PER_UNIT, ITEMS_PER_UNIT = 80, 20, 20, 20, 25


def build_org() -> dict:
    from haochaping.catalog.enums import CaseType, ItemType
    from haochaping.catalog.models import ServiceItem
    from haochaping.org.enums import RegionLevel, UnitKind
    from haochaping.org.models import Staff, Window
    from haochaping.org.services import hall_create, region_create, unit_create
    from haochaping.testing.builders import make_credit_code

    tibet = region_create(code="540000", name="西藏自治区", level=RegionLevel.PROVINCE)
    lhasa = region_create(code="540100", name="拉萨市", level=RegionLevel.CITY, parent=tibet)
    counties = [
        region_create(code=code, name=name, level=RegionLevel.COUNTY, parent=lhasa)
        for code, name in [
            ("540102", "城关区"),
            ("540103", "堆龙德庆区"),
            ("540104", "达孜区"),
            ("540121", "林周县"),
            ("540122", "当雄县"),
            ("540123", "尼木县"),
            ("540124", "曲水县"),
            ("540127", "墨竹工卡县"),
        ]
    ]
    regions = [lhasa, *counties]
    units = []
    for i in range(UNITS):
        region = regions[i % len(regions)]
        units.append(
            unit_create(
                name=f"单位{i:03d}",
                kind=UnitKind.DEPARTMENT,
                credit_code=make_credit_code(region.code, 1000 + i),
                region=region,
            )
        )
    halls = [
        hall_create(name=f"大厅{h:02d}", region=regions[h % len(regions)]) for h in range(HALLS)
    ]
    windows = Window.objects.bulk_create(
        Window(
            hall=halls[h],
            number=f"W{w:02d}",
            name=f"窗口{w}",
            unit=units[(h * WINDOWS_PER_HALL + w) % UNITS],
        )
        for h in range(HALLS)
        for w in range(WINDOWS_PER_HALL)
    )
    Staff.objects.bulk_create(
        Staff(unit=u, name=f"职员{i}", staff_no=f"S{i:03d}")
        for u in units
        for i in range(STAFF_PER_UNIT)
    )
    ServiceItem.objects.bulk_create(
        ServiceItem(
            task_code=f"T{u.pk:04d}-{i:03d}",
            name=f"事项{u.pk}-{i}",
            item_type=ItemType.PUBLIC_SERVICE,
            unit=u,
            case_type=CaseType.PROMISED,
        )
        for u in units
        for i in range(ITEMS_PER_UNIT)
    )
    return {"units": len(units), "windows": len(windows)}


GENERATE_ROLLUP = """
WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM org_unit),
     it AS (SELECT unit_id, array_agg(id ORDER BY id) AS ids FROM catalog_serviceitem GROUP BY unit_id),
     st AS (SELECT unit_id, array_agg(id ORDER BY id) AS ids FROM org_staff GROUP BY unit_id),
     wi AS (SELECT unit_id, array_agg(id ORDER BY id) AS ids FROM org_window GROUP BY unit_id),
     raw AS (
       SELECT d::date AS day, u.ids[1 + (random() * (array_length(u.ids, 1) - 1))::int] AS unit_id,
              random() AS r_item, random() AS r_staff, random() AS r_win, random() AS r_ch,
              random() AS r_lv, random() AS r_or, 1 + (random() * (2 * %(per_row)s - 2))::int AS n
       FROM generate_series(%(start)s::date, %(end)s::date - 1, '1 day') AS d, u,
            generate_series(1, %(rows_per_day)s) AS g
     )
INSERT INTO ratings_ratingrollup (day, unit_id, item_key, window_key, staff_key, channel, level,
                                  origin, assess_number, count)
SELECT day, raw.unit_id,
       COALESCE(it.ids[1 + (r_item * (array_length(it.ids, 1) - 1))::int], 0),
       CASE WHEN r_ch < 0.55 THEN COALESCE(wi.ids[1 + (r_win * (array_length(wi.ids, 1) - 1))::int], 0) ELSE 0 END,
       CASE WHEN r_ch < 0.55 THEN COALESCE(st.ids[1 + (r_staff * (array_length(st.ids, 1) - 1))::int], 0) ELSE 0 END,
       CASE WHEN r_ch < 0.45 THEN '4' WHEN r_ch < 0.55 THEN '3' WHEN r_ch < 0.75 THEN '2'
            WHEN r_ch < 0.90 THEN '1' WHEN r_ch < 0.95 THEN '5' WHEN r_ch < 0.98 THEN '7' ELSE '6' END,
       CASE WHEN r_lv < 0.70 THEN 'very_satisfied' WHEN r_lv < 0.90 THEN 'satisfied'
            WHEN r_lv < 0.995 THEN 'basic' WHEN r_lv < 0.999 THEN 'dissatisfied'
            ELSE 'very_dissatisfied' END,
       CASE WHEN r_or < 0.90 THEN 'citizen' WHEN r_or < 0.95 THEN 'staff'
            WHEN r_or < 0.97 THEN 'paper' ELSE 'default' END,
       1, SUM(n)
FROM raw LEFT JOIN it ON it.unit_id = raw.unit_id LEFT JOIN st ON st.unit_id = raw.unit_id
         LEFT JOIN wi ON wi.unit_id = raw.unit_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

GENERATE_BAD_CASES = """
WITH it AS (SELECT array_agg(id ORDER BY id) AS ids FROM catalog_serviceitem)
INSERT INTO cases_case (project_no, item_id, unit_id, applicant_type, applicant_name,
    applicant_cert_no, applicant_mobile, apply_channel, status, accepted_at, completed_at,
    created_at, updated_at)
SELECT 'BENCH-' || lpad(g::text, 9, '0'), si.id, si.unit_id, '1', '', '', '', 'window',
       'completed', x.ts - interval '1 day', x.ts, x.ts, x.ts
FROM it, generate_series(1, %(count)s) AS g,
     LATERAL (SELECT it.ids[1 + (random() * (array_length(it.ids, 1) - 1))::int + g * 0] AS item_id,
                     %(start)s::timestamptz + (random() * (%(end)s::timestamptz - %(start)s::timestamptz)) AS ts) x
     JOIN catalog_serviceitem si ON si.id = x.item_id
"""

# one bad first rating per generated case (case ratings: 综合点评 would have no case)
GENERATE_BAD = """
INSERT INTO ratings_rating (case_id, unit_id, item_id, stage, assess_number, level, option_codes,
    text, other_text, channel, is_paper, is_staff_entered, is_system_default, content_version_id,
    evaluator_type, evaluator_name, evaluator_cert_no, evaluator_mobile, is_anonymous, language,
    device_id, idempotency_key, assessed_at, received_at, receipt, validity, excluded_reason,
    is_public)
SELECT c.id, c.unit_id, c.item_id, 'completion', 1,
       CASE WHEN random() < 0.7 THEN 'dissatisfied' ELSE 'very_dissatisfied' END,
       '[]'::jsonb, '', '', '4', false, false, false, %(version)s, '1', '', '', '', false, '', '',
       '', c.completed_at + interval '1 hour', c.completed_at + interval '1 hour',
       'B' || lpad(to_hex(c.id), 11, '0'), 'valid', '', true
FROM cases_case c WHERE c.project_no LIKE 'BENCH-%%'
"""

SET_BAD_REASONS = """
UPDATE ratings_rating SET option_codes = CASE level
  WHEN 'dissatisfied' THEN jsonb_build_array('2' || (7 + id % 8)::text)
  ELSE jsonb_build_array('1' || (8 + id % 8)::text, '1' || (8 + (id + 3) % 8)::text) END
WHERE validity = 'valid'
"""

GENERATE_RECT = """
INSERT INTO rectification_rectification (rating_id, case_id, unit_id, status, resolution, is_complex,
    complex_reason, is_real_name, opened_at, contact_started_at, contact_days, contact_due_at,
    contacted_at, contact_overdue, feedback_started_at, feedback_days, feedback_due_at, feedback_at,
    feedback_overdue, close_started_at, close_days, close_due_at, closed_at, close_overdue,
    reopen_count, paused_workdays, pause_reason, fix_satisfaction, version, updated_at)
SELECT r.id, r.case_id, r.unit_id,
       CASE WHEN r.assessed_at > %(open_after)s THEN 'new' ELSE 'closed' END,
       CASE WHEN r.assessed_at > %(open_after)s THEN '' ELSE 'rectified' END,
       false, '', true, r.assessed_at, r.assessed_at, 1, r.assessed_at + interval '1 day',
       CASE WHEN r.assessed_at > %(open_after)s THEN NULL ELSE r.assessed_at + interval '5 hours' END,
       false, r.assessed_at, 5, r.assessed_at + interval '7 days',
       CASE WHEN r.assessed_at > %(open_after)s THEN NULL ELSE r.assessed_at + interval '3 days' END,
       false, r.assessed_at, 15, r.assessed_at + interval '21 days',
       CASE WHEN r.assessed_at > %(open_after)s THEN NULL ELSE r.assessed_at + interval '6 days' END,
       false, 0, 0, '',
       CASE WHEN r.assessed_at > %(open_after)s THEN '' WHEN r.id %% 10 = 0 THEN 'unsatisfied' ELSE 'satisfied' END,
       1, r.assessed_at
FROM ratings_rating r WHERE r.level IN ('dissatisfied', 'very_dissatisfied')
"""

GENERATE_CASES = """
INSERT INTO results_casedaycount (day, unit_id, online, completed, rated, citizen_rated)
SELECT d::date, u.id, o, c, (c * 0.9)::int, (c * 0.8)::int
FROM generate_series(%(start)s::date, %(end)s::date - 1, '1 day') AS d, org_unit u,
     (VALUES (true), (false)) AS x(o), LATERAL (SELECT 40 + (random() * 80)::int + 0 * u.id AS c) cc
"""


def secondary_indexes(cur, table: str) -> list[tuple[str, str]]:
    """(drop, create) statements for a table's non-primary indexes and unique constraints, as
    migrated (plain or partitioned): a bulk load drops them and rebuilds each once."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    out = [
        (
            f"ALTER TABLE {table} DROP CONSTRAINT {name}",
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}",
        )
        for name, definition in cur.fetchall()
    ]
    cur.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary AND indexrelid NOT IN "
        "(SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    # a partitioned table's index reads "ON ONLY <table>": rebuilt without ONLY, for every partition
    out += [
        (f"DROP INDEX {name}", definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition in cur.fetchall()
    ]
    return out


def generate(cur, *, days: int, per_day: int, per_row: int, end: dt.date) -> dict:
    start = end - dt.timedelta(days=days)
    cur.execute("ALTER TABLE ratings_ratingrollup DISABLE TRIGGER USER")  # the summary triggers
    t0 = time.perf_counter()
    # bulk load without the rollup's indexes; they are rebuilt once afterwards (each chunk is
    # grouped by the full key, and chunks are disjoint in days, so the key stays unique)
    indexes = secondary_indexes(cur, "ratings_ratingrollup")
    for drop, _create in indexes:
        cur.execute(drop)
    # rows per day: each generated row carries 1 .. 2*per_row-1 ratings (per_row on average)
    rows_per_day = per_day // per_row
    chunk = 365
    for offset in range(0, days, chunk):
        a = start + dt.timedelta(days=offset)
        b = min(end, a + dt.timedelta(days=chunk))
        cur.execute(
            GENERATE_ROLLUP,
            {"start": a, "end": b, "rows_per_day": rows_per_day, "per_row": per_row},
        )
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # FK checks now, or ALTER TABLE refuses
    for _drop, create in indexes:
        cur.execute(create)
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cur.execute("ALTER TABLE ratings_ratingrollup ENABLE TRIGGER USER")
    cur.execute("SELECT COUNT(*), COALESCE(SUM(count), 0) FROM ratings_ratingrollup")
    rollup_rows, ratings = cur.fetchone()
    from haochaping.ratings.selectors import content_version_current
    from haochaping.results.services import summaries_rebuild

    t_rollup = time.perf_counter() - t0
    summaries_rebuild(reasons=False)
    t_summaries = time.perf_counter() - t0 - t_rollup
    bad = int(ratings * 0.005)
    start_ts = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
    end_ts = dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC)
    # the reason trigger counts codes on insert: insert with none, then set them (an UPDATE of
    # option_codes does not fire it), then rebuild the reason counts of these ratings once
    cur.execute(GENERATE_BAD_CASES, {"count": bad, "start": start_ts, "end": end_ts})
    cur.execute(GENERATE_BAD, {"version": content_version_current().pk})
    cur.execute(SET_BAD_REASONS)
    cur.execute("DELETE FROM results_reasondaycount")
    cur.execute(
        "INSERT INTO results_reasondaycount (day, unit_id, level, code, count) "
        "SELECT (assessed_at AT TIME ZONE 'Asia/Shanghai')::date, unit_id, level, c, COUNT(*) "
        "FROM ratings_rating, jsonb_array_elements_text(option_codes) AS c GROUP BY 1, 2, 3, 4"
    )
    cur.execute(GENERATE_RECT, {"open_after": end_ts - dt.timedelta(days=20)})
    cur.execute(GENERATE_CASES, {"start": start, "end": end})
    cur.execute("SELECT COUNT(*) FROM results_unitdaycount")
    day_rows = cur.fetchone()[0]
    cur.execute("SELECT COUNT(*) FROM results_unitmonthcount")
    month_rows = cur.fetchone()[0]
    return {
        "days": days,
        "ratings": int(ratings),
        "rollup_rows": rollup_rows,
        "unit_day_rows": day_rows,
        "unit_month_rows": month_rows,
        "raw_bad_ratings": bad,
        "rectifications": bad,
        "rollup_s": round(t_rollup, 1),
        "summaries_s": round(t_summaries, 1),
        "generate_s": round(time.perf_counter() - t0, 1),
    }


class DbTimer:
    """``connection.execute_wrapper``: database time and query count (no DEBUG needed)."""

    def __init__(self) -> None:
        self.ms, self.n = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - t) * 1000
            self.n += 1


def use_database(name: str) -> None:
    """Point Django's default connection at another database of the same cluster."""
    from django.db import connections

    conn = connections["default"]
    conn.close()
    conn.settings_dict["NAME"] = name


def bench_client():
    """A test client logged in as the city superuser ``bench`` (created if missing)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from haochaping.accounts.enums import Role
    from haochaping.accounts.models import User
    from haochaping.accounts.services import totp_device_create, user_create
    from haochaping.accounts.twofactor import confirmed_device, requires_second_factor

    user = User.objects.filter(username="bench").first()
    if user is None:
        user = user_create(username="bench", password="Bench-pass-2026!", role=Role.ADMIN)  # noqa: S106
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if requires_second_factor(user):  # as after the login page's verification-code step
        device = confirmed_device(user) or totp_device_create(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def dataset_info() -> dict:
    """What the current database holds (read from the summaries: cheap at any scale)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT COALESCE(SUM(count), 0), MIN(month), MAX(month) FROM results_unitmonthcount "
            "WHERE assess_number = 1"
        )
        ratings, first, last = cur.fetchone()
        cur.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN "
            "('ratings_ratingrollup', 'results_unitdaycount', 'rectification_rectification')"
        )
        sizes = dict(cur.fetchall())
    return {
        "ratings": int(ratings),
        "first_month": str(first),
        "last_month": str(last),
        "rollup_rows_est": sizes.get("ratings_ratingrollup"),
        "unit_day_rows_est": sizes.get("results_unitdaycount"),
        "rectifications_est": sizes.get("rectification_rectification"),
    }


class HttpServer:
    """One gunicorn worker on the database, for client-observed times over real HTTP."""

    def __init__(self, db_url: str, port: int) -> None:
        import socket

        env = {**os.environ, "DATABASE_URL": db_url, "HAOCHAPING_LOG_LEVEL": "WARNING"}
        self.port = port
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "haochaping.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def get_ms(self, conn, url: str, cookie: str) -> float:
        t = time.perf_counter()
        conn.request("GET", url, headers={"Host": "127.0.0.1", "Cookie": cookie})
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - t) * 1000
        assert response.status == 200, response.status
        return elapsed

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def p95(values: list[float]) -> float:
    values = sorted(values)
    return round(values[max(0, round(0.95 * len(values)) - 1)], 1)


def summary(values: list[float], prefix: str) -> dict:
    if not values:
        return {}
    return {
        f"{prefix}p50_ms": round(statistics.median(values), 1),
        f"{prefix}p95_ms": p95(values),
        f"{prefix}max_ms": round(max(values), 1),
    }


def measure_round(client, url: str, n: int, warm: int, sink: dict, http=None) -> None:
    """``n`` timed requests in-process (the server side: Django's handler with its middleware,
    view, queries and templates) and, with ``http``, ``n`` over real HTTP (client-observed)."""
    from django.db import connection

    for _ in range(warm):
        assert client.get(url).status_code == 200
    for _ in range(n):
        timer = DbTimer()
        with connection.execute_wrapper(timer):
            t = time.perf_counter()
            response = client.get(url)
            sink["server"].append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
        sink["db"].append(timer.ms)
        sink["queries"] = timer.n
    if http is not None:
        server, conn, cookie = http
        for _ in range(warm):
            server.get_ms(conn, url, cookie)
        for _ in range(n):
            sink["http"].append(server.get_ms(conn, url, cookie))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000000,30000000")
    parser.add_argument(
        "--dbs",
        default="",
        help="database names, one per scale (default haochaping_bench_results_<i>)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the data already in --dbs (kept by an earlier --keep run), no generation",
    )
    parser.add_argument("--per-day", type=int, default=8219)
    parser.add_argument(
        "--per-row",
        type=int,
        default=2,
        help="average ratings per generated rollup row (distinct key per day)",
    )
    parser.add_argument(
        "--requests", type=int, default=40, help="timed requests per page and scale"
    )
    parser.add_argument("--rounds", type=int, default=4, help="interleave the scales in rounds")
    parser.add_argument("--http", action="store_true", help="also time real HTTP (gunicorn)")
    parser.add_argument(
        "--cached",
        action="store_true",
        help="also measure the pages with the dashboard cache on (in-process)",
    )
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    scales = [int(s) for s in args.scales.split(",")]
    dbs = [d for d in args.dbs.split(",") if d] or [f"{DB_NAME}_{i}" for i in range(len(scales))]
    if not args.reuse and len(dbs) != len(scales):
        parser.error("give one database per scale")
    parts = urlsplit(args.admin_url)

    def url_of(db: str) -> str:
        return urlunsplit(parts._replace(path=f"/{db}"))

    env = {"DATABASE_URL": url_of(dbs[0]), "HAOCHAPING_LOG_LEVEL": "WARNING"}
    servers: list[HttpServer] = []
    scratch = ExitStack()  # the new databases: created, migrated, dropped unless --keep
    try:
        for db in dbs:
            if args.reuse:  # a no-op on a kept database that is up to date
                subprocess.run(
                    [sys.executable, "-m", "haochaping", "migrate", "-v0"],
                    cwd=ROOT,
                    env={**os.environ, **env, "DATABASE_URL": url_of(db)},
                    check=True,
                )
            else:
                scratch.enter_context(
                    scratch_database(
                        "postgresql", name=db, admin_url=args.admin_url, keep=args.keep
                    )
                )
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection, transaction

        from haochaping.core.clock import today
        from haochaping.results.periods import period_containing

        infos: dict[str, dict] = {}
        for db, scale in zip(dbs, scales if not args.reuse else [0] * len(dbs), strict=True):
            use_database(db)
            if not args.reuse:
                emit(step="org", db=db, **build_org())
                bench_client()
                days = max(1, round(scale / args.per_day))
                with transaction.atomic(), connection.cursor() as cur:
                    gen = generate(
                        cur, days=days, per_day=args.per_day, per_row=args.per_row, end=today()
                    )
                with connection.cursor() as cur:
                    for table in (
                        "results_unitdaycount",
                        "results_unitmonthcount",
                        "results_reasondaycount",
                        "results_casedaycount",
                        "rectification_rectification",
                        "ratings_rating",
                        "cases_case",
                        "org_unit",
                    ):
                        cur.execute(f"VACUUM ANALYZE {table}")
                    cur.execute("ANALYZE ratings_ratingrollup")
                emit(step="data", db=db, scale=scale, per_row=args.per_row, **gen)
            infos[db] = dataset_info()
            emit(step="dataset", db=db, **infos[db])

        period = period_containing("month", today()).previous()
        pages = {
            "city_overview": f"/results/?grain=month&period={period.key}",
            "unit_ranking": f"/results/rankings/?kind=unit&grain=month&period={period.key}",
        }
        if args.cached:  # the same pages with HAOCHAPING_RESULTS["CACHE_SECONDS"] = 60
            pages.update({f"{name}_cached": url for name, url in list(pages.items())})
        clients, https = {}, {}
        for i, db in enumerate(dbs):
            use_database(db)
            clients[db] = bench_client()
            if args.http:
                import http.client

                server = HttpServer(url_of(db), 18740 + i)
                servers.append(server)
                cookie = f"sessionid={clients[db].cookies['sessionid'].value}"
                https[db] = (server, http.client.HTTPConnection("127.0.0.1", server.port), cookie)
        sinks = {
            (db, p): {"server": [], "db": [], "http": [], "queries": 0} for db in dbs for p in pages
        }
        from django.conf import settings

        results_settings = dict(getattr(settings, "HAOCHAPING_RESULTS", {}))
        load = [round(os.getloadavg()[0], 2)]
        per_round = max(1, args.requests // args.rounds)
        for r in range(args.rounds):
            for db in dbs:
                use_database(db)
                for name, url in pages.items():
                    cached = name.endswith("_cached")
                    settings.HAOCHAPING_RESULTS = {
                        **results_settings,
                        "CACHE_SECONDS": 60 if cached else 0,
                    }
                    measure_round(
                        clients[db],
                        url,
                        per_round,
                        5 if r == 0 else 1,
                        sinks[(db, name)],
                        None if cached else https.get(db),  # gunicorn runs uncached
                    )
            load.append(round(os.getloadavg()[0], 2))
        # the machine's floor in the same run: one trivial query's round trip
        floor = []
        for _ in range(args.requests):
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()
            floor.append((time.perf_counter() - t) * 1000)
        emit(step="floor", query="SELECT 1", **summary(floor, ""), load_avg_1m=load)
        results: dict[str, list[dict]] = {name: [] for name in pages}
        for db in dbs:
            for name, url in pages.items():
                sink = sinks[(db, name)]
                row = {
                    "db": db,
                    "page": name,
                    "url": url,
                    "ratings": infos[db]["ratings"],
                    "requests": len(sink["server"]),
                    **summary(sink["server"], "server_"),
                    **summary(sink["db"], "db_"),
                    "queries": sink["queries"],
                    **summary(sink["http"], "http_"),
                    "load_avg_1m": load,
                    "cpus": os.cpu_count(),
                }
                results[name].append(row)
                emit(step="measure", **row)
        for name, rows in results.items():
            rows.sort(key=lambda x: x["ratings"])
            lo, hi = rows[0], rows[-1]
            out = {
                "step": "ratio",
                "page": name,
                "small_ratings": lo["ratings"],
                "large_ratings": hi["ratings"],
                "server_p95_small_ms": lo["server_p95_ms"],
                "server_p95_large_ms": hi["server_p95_ms"],
                "server_ratio": round(hi["server_p95_ms"] / lo["server_p95_ms"], 2),
                "db_ratio": round(hi["db_p95_ms"] / lo["db_p95_ms"], 2)
                if lo["db_p95_ms"]
                else None,
            }
            has_http = "http_p95_ms" in lo
            if has_http:
                out["http_p95_small_ms"] = lo["http_p95_ms"]
                out["http_p95_large_ms"] = hi["http_p95_ms"]
                out["http_ratio"] = round(hi["http_p95_ms"] / lo["http_p95_ms"], 2)
            emit(
                **out,
                goal_p95_ms=100,
                goal_met=hi["server_p95_ms"] < 100 and (not has_http or hi["http_p95_ms"] < 100),
            )
    finally:
        for server in servers:
            server.stop()
        scratch.close()


if __name__ == "__main__":
    main()
