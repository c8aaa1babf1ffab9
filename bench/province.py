"""A province on PostgreSQL: a year of ratings at 50M/year shape, and what it costs.

    .venv/bin/python bench/province.py                                # small: 100k vs 20k
    .venv/bin/python bench/province.py --ratings 10000000 --baseline 1000000   # the docs' run
    .venv/bin/python bench/province.py --ratings 1000000 --keep       # keep prov_province_<N>

For each scale (``--baseline`` first, then ``--ratings``) a scratch PostgreSQL database
(bench/scratchdb.py, ``prov_province_<N>``), migrated with the project's schema, gets:

1. a province-shaped org: 1 province, ``--cities`` prefecture-level cities (16), ~150 counties
   (GB/T 2260-style 6-digit codes), 40 provincial + 30 per city + 20 per county units (~3,500),
   8 service items and 4 staff per unit, one hall per city and county with a window per unit;
2. **empty-table ingest** (the baseline of the ingest figures): the signed rating API
   (``POST /api/v1/ratings``, bench/ingest.py's ``start_gunicorn`` and load generator, 2
   workers) and ``haochaping ratings import`` of ``--import-records`` lines (bench/ingest.py's
   ``bulk_import``, whose own baseline is a bare COPY);
3. a year of ratings (the last 365 days before today) shaped like a 50M/year province, scaled to
   N: a daily volume from the project's working-day calendar (``workdays.is_workday``; weekday
   and month factors, non-working days at 10 %), an hourly profile of office hours, units'
   volumes skewed (power 2 over items), 72/18/7/2/1 % levels (3 % bad), 45 % onsite. Raw
   ``cases_case`` and ``ratings_rating`` rows for every rating (set-based SQL, one statement per
   month, triggers and the tables' secondary indexes off during the load and rebuilt once), the
   rollup grouped from the raw rows, ``results.services.summaries_rebuild()`` for the summaries
   and reason counts, case-day counts, and one rectification per bad rating (bench/dashboard.py's
   ``GENERATE_RECT``: closed, except the last 20 days' ones, which are open);
4. measurements on that dataset: sizes (database, per table, indexes, per million ratings);
   ingest again (API rate and bulk import against step 2's: ``ratio``); the province overview
   and unit ranking (bench/dashboard.py's ``measure_round``: server p50/p95 and queries); the
   monthly bulletin, monthly bad-review report, quarterly and annual reports for the whole province
   (``reporting.builders.gather`` and the full ``report_generate`` + XLSX/PDF archive path);
   the deadline sweep with the open rectifications (first and steady); autovacuum counters.

Then one ``growth`` line per figure: the value at each scale and ``ratio`` = N / baseline, and the
peak-hour requirement of a 50M/year province (from the same volume profile) against the measured
API capacity (``headroom``). JSON lines throughout; databases are dropped unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from argparse import Namespace
from pathlib import Path

from scratchdb import DEFAULT_ADMIN_URL, emit, env_fields, scratch_database

PROVINCE_YEAR = 50_000_000
YEAR_DAYS = 365
# share of a day's ratings per local hour (percent; sums to 100): office hours, two peaks
HOUR_SHARE = {
    8: 1,
    9: 4,
    10: 12,
    11: 14,
    12: 12,
    13: 6,
    14: 3,
    15: 7,
    16: 13,
    17: 13,
    18: 8,
    19: 3,
    20: 2,
    21: 1,
    22: 1,
}
WEEKDAY_FACTOR = [1.25, 1.05, 1.0, 0.95, 0.85, 1.0, 1.0]  # Mon..Sun (for working days)
MONTH_FACTOR = [1.1, 0.7, 1.2, 1.05, 1.0, 1.0, 0.95, 0.9, 1.05, 0.85, 1.05, 1.15]  # Jan..Dec
NON_WORKDAY_FACTOR = 0.10  # weekends and holidays: online channels only, a tenth of a workday
PEAK_MINUTE_BURST = 3.0  # assumed: the busiest minute carries 3x the busiest hour's average
ITEMS_PER_UNIT, STAFF_PER_UNIT = 8, 4
UNITS_PROVINCE, UNITS_PER_CITY, UNITS_PER_COUNTY = 40, 30, 20
PROVINCE_CODE = "510000"
TABLES = (
    "cases_case",
    "ratings_rating",
    "ratings_ratingrollup",
    "results_unitdaycount",
    "results_unitmonthcount",
    "results_reasondaycount",
    "results_casedaycount",
    "rectification_rectification",
)


# --- the volume profile -------------------------------------------------------------------------


def day_weights(start: dt.date, days: int) -> list[tuple[dt.date, float]]:
    from haochaping.workdays.arithmetic import is_workday

    out = []
    for k in range(days):
        day = start + dt.timedelta(days=k)
        factor = WEEKDAY_FACTOR[day.weekday()] if is_workday(day) else NON_WORKDAY_FACTOR
        out.append((day, factor * MONTH_FACTOR[day.month - 1]))
    return out


def day_volumes(start: dt.date, total: int) -> list[tuple[dt.date, int]]:
    weights = day_weights(start, YEAR_DAYS)
    scale = total / sum(w for _d, w in weights)
    return [(d, round(w * scale)) for d, w in weights]


def peak_requirement(start: dt.date, per_year: int = PROVINCE_YEAR) -> dict:
    """The busiest day and hour of a ``per_year`` province, from the same profile."""
    volumes = day_volumes(start, per_year)
    busiest_day, busiest = max(volumes, key=lambda x: x[1])
    weights = day_weights(start, YEAR_DAYS)
    workday_volumes = [n for (_d, w), (_d2, n) in zip(weights, volumes, strict=True) if w >= 0.5]
    peak_hour = busiest * max(HOUR_SHARE.values()) / 100
    return {
        "per_year": per_year,
        "workdays": len(workday_volumes),
        "mean_workday": round(statistics.mean(workday_volumes)),
        "busiest_day": busiest_day.isoformat(),
        "busiest_day_ratings": busiest,
        "busiest_hour_ratings": round(peak_hour),
        "busiest_hour_per_s": round(peak_hour / 3600, 1),
        "peak_minute_per_s": round(peak_hour / 3600 * PEAK_MINUTE_BURST, 1),
    }


def hour_slots() -> list[int]:
    """100 slots, each a local hour, in proportion to HOUR_SHARE (a uniform pick is the profile)."""
    return [hour for hour, share in sorted(HOUR_SHARE.items()) for _ in range(share)]


# --- the org ------------------------------------------------------------------------------------


def build_province(cities: int) -> dict:
    """Province, cities, ~9-10 counties each; units, items, staff, halls and windows in bulk."""
    from django.db import connection

    from haochaping.catalog.enums import CaseType, ItemType
    from haochaping.catalog.models import ServiceItem
    from haochaping.org.enums import RegionLevel, UnitKind
    from haochaping.org.models import Hall, Staff, Unit, Window
    from haochaping.org.services import region_create
    from haochaping.testing.builders import make_credit_code

    province = region_create(code=PROVINCE_CODE, name="模拟省", level=RegionLevel.PROVINCE)
    regions = [province]
    for c in range(1, cities + 1):
        city = region_create(
            code=f"51{c:02d}00", name=f"第{c}市", level=RegionLevel.CITY, parent=province
        )
        regions.append(city)
        regions.extend(  # 9 or 10 counties each: ~150 in all
            region_create(
                code=f"51{c:02d}{k:02d}",
                name=f"第{c}市{k}县",
                level=RegionLevel.COUNTY,
                parent=city,
            )
            for k in range(1, 10 + (c % 2) - (c == 1))
        )
    per_level = {
        RegionLevel.PROVINCE: UNITS_PROVINCE,
        RegionLevel.CITY: UNITS_PER_CITY,
        RegionLevel.COUNTY: UNITS_PER_COUNTY,
    }
    units = Unit.objects.bulk_create(
        Unit(
            name=f"{r.name}单位{i:02d}",
            kind=UnitKind.DEPARTMENT,
            region=r,
            path="pending",
            credit_code=make_credit_code(r.code, 1000 + i),
        )
        for r in regions
        for i in range(per_level[r.level])
    )
    with connection.cursor() as cur:
        cur.execute("UPDATE org_unit SET path = '/' || id || '/'")
    halls = {
        r.pk: h
        for r, h in zip(
            regions[1:],
            Hall.objects.bulk_create(
                Hall(name=f"{r.name}政务服务中心", region=r) for r in regions[1:]
            ),
            strict=True,
        )
    }
    windows = Window.objects.bulk_create(
        Window(
            hall=halls.get(u.region_id) or halls[regions[1].pk],
            number=f"W{u.pk}",
            name=f"窗口{u.pk}",
            unit=u,
        )
        for u in units
    )
    Staff.objects.bulk_create(
        Staff(unit=u, window=w, name=f"职员{u.pk}-{i}", staff_no=f"S{u.pk}-{i}")
        for u, w in zip(units, windows, strict=True)
        for i in range(STAFF_PER_UNIT)
    )
    ServiceItem.objects.bulk_create(
        ServiceItem(
            task_code=f"T{u.pk:05d}-{i:02d}",
            name=f"事项{u.pk}-{i}",
            item_type=ItemType.PUBLIC_SERVICE,
            unit=u,
            case_type=CaseType.PROMISED,
        )
        for u in units
        for i in range(ITEMS_PER_UNIT)
    )
    with connection.cursor() as cur:  # the generator's lookup: item index -> unit, window, staff
        cur.execute(PROV_ITEMS)
        cur.execute("SELECT COUNT(*) FROM prov_item")
        items = cur.fetchone()[0]
    return {
        "regions": len(regions),
        "cities": cities,
        "counties": len(regions) - 1 - cities,
        "units": len(units),
        "items": items,
        "windows": len(windows),
        "staff": len(units) * STAFF_PER_UNIT,
    }


PROV_ITEMS = """
CREATE TABLE prov_item AS
SELECT (row_number() OVER (ORDER BY random()) - 1)::int AS idx, si.id AS item_id, si.unit_id,
       w.id AS window_id, (SELECT array_agg(s.id) FROM org_staff s WHERE s.unit_id = si.unit_id) AS staff_ids
FROM catalog_serviceitem si JOIN org_window w ON w.unit_id = si.unit_id;
CREATE UNIQUE INDEX ON prov_item (idx)
"""


# --- the year of ratings ------------------------------------------------------------------------

# one month of the year's ratings, one per case, every value drawn once: the rows stored raw and
# the aggregates all come from this temporary table, so they agree
GEN_MONTH = """
CREATE TEMP TABLE prov_v AS
WITH d AS (SELECT * FROM unnest(%(days)s::date[], %(ns)s::int[], %(offs)s::bigint[]) AS d(day, n, off)),
     g AS (SELECT d.off + g AS id, d.day, random() AS r_item, random() AS r_h, random() AS r_m,
                  random() AS r_ch, random() AS r_st, random() AS r_lv, random() AS r_rch,
                  random() AS r_or
           FROM d, generate_series(1, d.n) AS g)
SELECT g.id, t.ts, i.item_id, i.unit_id,
       CASE WHEN g.r_ch < 0.45 THEN i.window_id END AS window_id,
       CASE WHEN g.r_ch < 0.45 THEN i.staff_ids[1 + floor(g.r_st * array_length(i.staff_ids, 1))::int] END AS staff_id,
       CASE WHEN g.r_ch < 0.45 THEN 'window' WHEN g.r_ch < 0.85 THEN 'app' ELSE 'online' END AS apply_channel,
       lv.level,
       -- onsite channels when the case has a window, else online ones
       CASE WHEN g.r_ch < 0.45 THEN (CASE WHEN g.r_rch < 0.80 THEN '4' WHEN g.r_rch < 0.95 THEN '3' ELSE '5' END)
            ELSE (CASE WHEN g.r_rch < 0.60 THEN '2' WHEN g.r_rch < 0.90 THEN '1' WHEN g.r_rch < 0.97 THEN '7' ELSE '6' END) END AS channel,
       g.r_ch < 0.45 AND g.r_or BETWEEN 0.03 AND 0.05 AS is_paper,
       g.r_ch < 0.45 AND g.r_or BETWEEN 0.05 AND 0.10 AS is_staff_entered,
       g.r_or < 0.03 AS is_system_default
FROM g JOIN prov_item i ON i.idx = floor(%(items)s * g.r_item * g.r_item)::int,
     LATERAL (SELECT ((g.day + (%(slots)s::int[])[1 + floor(g.r_h * 100)::int] * interval '1 hour'
                       + g.r_m * interval '55 minutes')::timestamp AT TIME ZONE 'Asia/Shanghai') AS ts) t,
     LATERAL (SELECT CASE WHEN g.r_or < 0.03 OR g.r_lv < 0.72 THEN 'very_satisfied'
                          WHEN g.r_lv < 0.90 THEN 'satisfied' WHEN g.r_lv < 0.97 THEN 'basic'
                          WHEN g.r_lv < 0.99 THEN 'dissatisfied' ELSE 'very_dissatisfied' END AS level) lv
"""

# the month's rows stored raw: all of them (``raw``), or only the bad ratings and their cases
RAW_WHERE = " WHERE %(raw)s OR level IN ('dissatisfied', 'very_dissatisfied')"

GEN_CASES = (
    """
INSERT INTO cases_case (id, project_no, item_id, unit_id, window_id, staff_id, applicant_type,
    applicant_name, applicant_cert_no, applicant_mobile, apply_channel, status, accepted_at,
    completed_at, created_at, updated_at)
SELECT id, 'P' || lpad(id::text, 11, '0'), item_id, unit_id, window_id, staff_id, '1', '', '', '',
       apply_channel, 'completed', ts - interval '1 day', ts, ts - interval '1 day', ts
FROM prov_v"""
    + RAW_WHERE
)

GEN_RATINGS = (
    """
INSERT INTO ratings_rating (id, case_id, unit_id, item_id, window_id, staff_id, stage, assess_number,
    level, option_codes, text, other_text, channel, is_paper, is_staff_entered, is_system_default,
    content_version_id, evaluator_type, evaluator_name, evaluator_cert_no, evaluator_mobile,
    is_anonymous, language, device_id, idempotency_key, assessed_at, received_at, receipt,
    validity, excluded_reason, is_public)
SELECT id, id, unit_id, item_id, window_id, staff_id, 'completion', 1, level,
       CASE level WHEN 'dissatisfied' THEN jsonb_build_array('2' || (7 + id %% 8)::text)
            WHEN 'very_dissatisfied' THEN jsonb_build_array('1' || (8 + id %% 8)::text, '1' || (8 + (id + 3) %% 8)::text)
            ELSE '[]'::jsonb END,
       '', '', channel, is_paper, is_staff_entered, is_system_default, %(version)s, '1', '', '', '',
       false, '', '', '', ts + interval '10 minutes', ts + interval '11 minutes',
       'R' || lpad(to_hex(id), 11, '0'), 'valid', '', true
FROM prov_v"""
    + RAW_WHERE
)

# every rating of the month, stored raw or not, in the rollup and the case-day counts
GEN_ROLLUP = """
INSERT INTO ratings_ratingrollup (day, unit_id, item_key, window_key, staff_key, channel, level,
    origin, assess_number, count)
SELECT ((ts + interval '10 minutes') AT TIME ZONE 'Asia/Shanghai')::date, unit_id,
       COALESCE(item_id, 0), COALESCE(window_id, 0), COALESCE(staff_id, 0), channel, level,
       CASE WHEN is_system_default THEN 'default' WHEN is_paper THEN 'paper'
            WHEN is_staff_entered THEN 'staff' ELSE 'citizen' END,
       1, COUNT(*)
FROM prov_v GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

GEN_CASE_DAYS = """
INSERT INTO results_casedaycount (day, unit_id, online, completed, rated, citizen_rated)
SELECT (ts AT TIME ZONE 'Asia/Shanghai')::date, unit_id, window_id IS NULL,
       (COUNT(*) * 1.08)::int, COUNT(*), (COUNT(*) * 0.9)::int
FROM prov_v GROUP BY 1, 2, 3
"""


def partitioned_schema(cur, start: dt.date, end: dt.date) -> str:
    """On the monthly-partitioned schema (haochaping/ratings/partitions.py, when migrated): a
    partition for each month of the year, so the load does not land in DEFAULT; returns the key
    table's columns ("" on the plain schema)."""
    from django.db import transaction

    try:
        from haochaping.ratings import partitions
    except ImportError:
        return ""
    if not partitions.is_partitioned(cur, partitions.RATING.table):
        return ""
    month = partitions.month_start(start)
    while month < end:
        for spec in partitions.PARTITIONED:
            if partitions.is_partitioned(cur, spec.table):
                with transaction.atomic():  # it locks the DEFAULT partition
                    partitions.partition_create(cur, spec, month)
        month = partitions.month_add(month, 1)
    return partitions._KEY_COLS  # filled as the migration does


def raw_months_start(end: dt.date, raw_months: int) -> dt.date:
    """The first day stored raw: the start of the month ``raw_months - 1`` months before
    ``end``'s (``raw_months`` 0: every day)."""
    if raw_months <= 0:
        return dt.date.min
    month = end.replace(day=1)
    for _ in range(raw_months - 1):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def generate_year(total: int, end: dt.date, *, raw_months: int = 0, open_days: int = 20) -> dict:
    """``total`` ratings over the 365 days before ``end``, with their cases, rollups, summaries,
    case counts and rectifications (set-based SQL; triggers and secondary indexes off).

    Every rating is in the rollup, the summaries and the case-day counts. Raw case and rating
    rows are stored for every rating of the last ``raw_months`` months (0: the whole year) and
    for every bad rating (so every rectification, reason count and bad-review report has its
    rows); the other good ratings of older months exist only in the aggregates, as they would
    after archiving. Bad ratings of the last ``open_days`` days have open rectifications."""
    from dashboard import GENERATE_RECT, secondary_indexes
    from django.db import connection

    from haochaping.ratings.selectors import content_version_current
    from haochaping.results.services import summaries_rebuild

    start = end - dt.timedelta(days=YEAR_DAYS)
    volumes = day_volumes(start, total)
    timings: dict[str, float] = {}

    def step(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[f"{name}_s"] = round(now - t0, 1)
        return now

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        base = max(cur.fetchone()[0], 0)
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM ratings_rating")
        base = max(base, cur.fetchone()[0])
        cur.execute("SELECT COUNT(*) FROM prov_item")
        items = cur.fetchone()[0]
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        key_cols = partitioned_schema(cur, start, end)
        loaded = (
            "cases_case",
            "ratings_rating",
            "ratings_ratingrollup",
            *(("ratings_ratingkey",) if key_cols else ()),
        )
        indexes = [ix for table in loaded for ix in secondary_indexes(cur, table)]
        for drop, _create in indexes:
            cur.execute(drop)
        version = content_version_current().pk
        offset = base
        months: dict[tuple[int, int], list[tuple[dt.date, int]]] = {}
        for day, n in volumes:
            months.setdefault((day.year, day.month), []).append((day, n))
        raw_from = raw_months_start(end, raw_months)
        stored = 0
        for chunk in months.values():  # one month at a time, each statement committed
            offs = []
            for _day, n in chunk:
                offs.append(offset)
                offset += n
            cur.execute(
                GEN_MONTH,
                {
                    "days": [d for d, _n in chunk],
                    "ns": [n for _d, n in chunk],
                    "offs": offs,
                    "items": items,
                    "slots": hour_slots(),
                },
            )
            raw = {"raw": chunk[0][0] >= raw_from}
            cur.execute(GEN_CASES, raw)
            cur.execute(GEN_RATINGS, {"version": version, **raw})
            stored += cur.rowcount
            cur.execute(GEN_ROLLUP)
            cur.execute(GEN_CASE_DAYS)
            cur.execute("DROP TABLE prov_v")
        if key_cols:  # the partitioned schema's key table (its triggers are off here)
            cur.execute(
                f"INSERT INTO ratings_ratingkey ({key_cols}) "  # noqa: S608
                f"SELECT {key_cols} FROM ratings_rating WHERE id > %s",
                [base],
            )
        t = step("rows_and_rollup", t)
        for _drop, create in indexes:
            cur.execute(create)
        for table in ("cases_case", "ratings_rating"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {offset})")
        t = step("indexes", t)
        summaries_rebuild(reasons=True)
        t = step("summaries", t)
        end_ts = dt.datetime.combine(end, dt.time(0), tzinfo=dt.UTC)
        cur.execute(
            GENERATE_RECT + " AND r.id > %(base)s",
            {"open_after": end_ts - dt.timedelta(days=open_days), "base": base},
        )
        cur.execute("SET session_replication_role = DEFAULT")
        t = step("rectifications", t)
        for table in (*TABLES, "org_unit", "catalog_serviceitem"):
            cur.execute(f"VACUUM ANALYZE {table}")
        step("vacuum_analyze", t)
        counts = {}
        for table in TABLES:
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM rectification_rectification WHERE status <> 'closed'")
        counts["open_rectifications"] = cur.fetchone()[0]
    return {
        "ratings": offset - base,
        "raw_ratings": stored,
        "raw_from": max(raw_from, start).isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": counts,
        **timings,
    }


# --- measurements -------------------------------------------------------------------------------


# the table's leaf partitions, or the table itself when it is not partitioned
PARTS = (
    "SELECT oid AS relid FROM pg_class WHERE oid = %(t)s::regclass AND relkind = 'r' "
    "UNION ALL SELECT relid FROM pg_partition_tree(%(t)s::regclass) "
    "WHERE isleaf AND relid <> %(t)s::regclass"
)


def sizes(ratings: int) -> dict:
    """Database, tables and indexes (a partitioned table: the sum over its partitions)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        db = cur.fetchone()[0]
        tables = {}
        for table in TABLES:
            cur.execute(
                f"SELECT COALESCE(SUM(pg_table_size(relid)), 0), "  # noqa: S608
                f"COALESCE(SUM(pg_indexes_size(relid)), 0), COUNT(*) FROM ({PARTS}) p",
                {"t": table},
            )
            heap, idx, parts = cur.fetchone()
            tables[table] = {
                "table_mb": round(heap / 2**20),
                "indexes_mb": round(idx / 2**20),
                "partitions": parts,
            }
        cur.execute(  # per index name, partitions' indexes summed under the parent's name
            "SELECT COALESCE(pi.relname, i.indexrelname), SUM(pg_relation_size(i.indexrelid)) "
            "FROM pg_stat_user_indexes i LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid "
            "LEFT JOIN pg_class pi ON pi.oid = h.inhparent "
            "WHERE i.relname IN ('ratings_rating', 'ratings_ratingrollup') OR i.relid IN "
            "(SELECT relid FROM pg_partition_tree('ratings_rating'::regclass) UNION ALL "
            "SELECT relid FROM pg_partition_tree('ratings_ratingrollup'::regclass)) "
            "GROUP BY 1 ORDER BY 2 DESC"
        )
        top = {name: round(size / 2**20) for name, size in cur.fetchall()}
    return {
        "db_mb": round(db / 2**20),
        "mb_per_million": round(db / 2**20 / (ratings / 1e6)),
        "tables": tables,
        "rating_indexes_mb": top,
    }


def autovacuum() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname, n_live_tup, n_dead_tup, n_ins_since_vacuum, autovacuum_count, "
            "autoanalyze_count, last_autovacuum::text, last_autoanalyze::text "
            "FROM pg_stat_user_tables WHERE relname IN ('ratings_rating', 'ratings_ratingrollup', "
            "'results_unitdaycount', 'cases_case', 'rectification_rectification')"
        )
        cols = [c.name for c in cur.description]
        tables = {row[0]: dict(zip(cols[1:], row[1:], strict=True)) for row in cur.fetchall()}
        cur.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', "
            "'autovacuum_vacuum_insert_scale_factor', 'autovacuum_vacuum_scale_factor', "
            "'autovacuum_analyze_scale_factor', 'autovacuum_naptime')"
        )
        settings = dict(cur.fetchall())
    return {"tables": tables, "settings": settings}


def add_cases(n: int, prefix: str, item_id: int, offset: int = 0) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO cases_case (project_no, item_id, unit_id, applicant_type, applicant_name, "
            "applicant_cert_no, applicant_mobile, apply_channel, status, accepted_at, "
            "completed_at, created_at, updated_at) "
            "SELECT %s || lpad((%s + g)::text, 8, '0'), si.id, si.unit_id, '1', '卓玛', '', '', 'window', "
            "'completed', now() - interval '1 day', now() - interval '2 hours', now(), now() "
            "FROM catalog_serviceitem si, generate_series(0, %s - 1) g WHERE si.id = %s",
            [prefix, offset, n, item_id],
        )


def ingest(args: Namespace, url: str, phase: str, data_dir: Path) -> dict:
    """API ratings/s (2 gunicorn workers) and bulk-import records/s on the current database."""
    from django.db import connections
    from ingest import bulk_import, run_load, start_gunicorn

    from haochaping.catalog.models import ServiceItem
    from haochaping.core.clock import now
    from haochaping.integration.models import IntegrationClient
    from haochaping.integration.services import integration_client_create

    item = ServiceItem.objects.order_by("pk").last()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HAOCHAPING_LOG_LEVEL": "WARNING",
        "HAOCHAPING_DATA_DIR": str(data_dir),
        "HAOCHAPING_BENCH_ENDPOINTS": "1",
        "HAOCHAPING_DEBUG": "0",
    }
    IntegrationClient.objects.filter(name=f"bench-{phase}").delete()
    client, secret = integration_client_create(name=f"bench-{phase}", scope_code=PROVINCE_CODE)
    api_cases = int(400 * (args.seconds + args.warmup)) + 500
    prefix = "E-" if phase == "empty" else "B-"
    add_cases(api_cases, f"{prefix}API-", item.pk)
    # ingest.bulk_import's lines name cases BENCH-<offset + k>
    import_offset = 20_000_000 if phase == "empty" else 30_000_000
    add_cases(args.import_records, "BENCH-", item.pk, import_offset)
    connections.close_all()
    server = None
    out = {}
    try:
        server, base = start_gunicorn(env)
        numbers = [f"{prefix}API-{n:08d}" for n in range(api_cases)]
        per_client = [numbers[c :: args.clients] for c in range(args.clients)]
        rps, ok, bad, *_cpu = run_load(
            "ratings",
            base,
            client.app_id,
            secret,
            per_client,
            item.task_code,
            clients=args.clients,
            warmup=args.warmup,
            seconds=args.seconds,
        )
        out.update(api_rps=round(rps, 1), api_ok=ok, api_errors=bad)
        bare, *_rest = run_load(
            "bare",
            base,
            client.app_id,
            secret,
            per_client,
            item.task_code,
            clients=args.clients,
            warmup=args.warmup,
            seconds=args.seconds,
        )
        out.update(bare_rps=round(bare, 1))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    imp_args = Namespace(
        import_records=args.import_records, chunk_size=20_000, diagnose_triggers=False
    )
    result = bulk_import(imp_args, env, data_dir, url, item, import_offset, now)
    out.update(
        import_per_s=result["records_per_s"],
        import_baseline_per_s=result["baseline_records_per_s"],
        import_failed=result["failed"],
    )
    return out


def dashboards(requests: int) -> dict:
    from dashboard import bench_client, measure_round, summary

    from haochaping.core.clock import today
    from haochaping.results.periods import period_containing

    period = period_containing("month", today()).previous()
    pages = {
        "province_overview": f"/results/?grain=month&period={period.key}",
        "unit_ranking": f"/results/rankings/?kind=unit&grain=month&period={period.key}",
        "province_overview_year": f"/results/?grain=year&period="
        f"{period_containing('year', today()).key}",
    }
    client = bench_client()
    out = {}
    for name, url in pages.items():
        sink = {"server": [], "db": [], "http": [], "queries": 0}
        measure_round(client, url, requests, 3, sink)
        out[name] = {
            **summary(sink["server"], "server_"),
            **summary(sink["db"], "db_"),
            "queries": sink["queries"],
        }
    return out


def reports(render: set[str]) -> dict:
    from haochaping.accounts.enums import Role
    from haochaping.accounts.models import User
    from haochaping.accounts.services import user_create
    from haochaping.core.clock import today
    from haochaping.reporting import builders, services
    from haochaping.results.periods import period_containing

    liaison = User.objects.filter(username="bench-liaison").first() or user_create(
        username="bench-liaison",
        password="Bench-pass-2026!",  # noqa: S106
        role=Role.LIAISON,
    )
    month = period_containing("month", today()).previous()
    quarter = period_containing("quarter", today()).previous()
    year = period_containing("year", today())
    out = {}
    for kind, period in (
        ("monthly_bulletin", month),
        ("monthly_bad_reviews", month),
        ("quarterly", quarter),
        ("annual", year),
    ):
        t0 = time.perf_counter()
        builders.gather(kind, period.key)
        t1 = time.perf_counter()
        report = services.report_generate(kind=kind, period_key=period.key, acting_user=liaison)
        t2 = time.perf_counter()
        out[kind] = {
            "period": period.key,
            "units": next(
                (len(tb["rows"]) for tb in report.data["tables"] if tb["key"] == "units"), None
            ),
            "gather_s": round(t1 - t0, 2),
            "generate_s": round(t2 - t1, 2),
        }
        if kind in render:  # XLSX + PDF: grows with the units listed, not with the ratings
            services.report_submit(report_id=report.pk, acting_user=liaison)
            services.report_publish(report_id=report.pk, acting_user=liaison)
            services.report_files_archive(report_id=report.pk)
            out[kind]["render_archive_s"] = round(time.perf_counter() - t2, 2)
    return out


def sweep(max_passes: int = 6) -> dict:
    """Sweeps one minute apart until a pass sends nothing: an overdue backlog is escalated one
    level per pass (levels 1-3), so the first passes send and only then is the sweep idle.
    Each pass's time and counters are reported; "idle_s" is the first pass that sent nothing."""
    from haochaping.core.clock import now as clock_now
    from haochaping.jobs.deadlines import run_deadline_sweep
    from haochaping.rectification.enums import Status
    from haochaping.rectification.models import Rectification
    from haochaping.workdays.models import CalendarEntry
    from haochaping.workdays.services import calendar_load_shipped

    if not CalendarEntry.objects.exists():
        calendar_load_shipped()
    open_items = Rectification.objects.filter(status__in=Status.open_values()).count()
    now = clock_now()
    passes = []
    for n in range(max_passes):
        t = time.perf_counter()
        report = run_deadline_sweep(now=now + dt.timedelta(minutes=n)).as_dict()
        passes.append({"s": round(time.perf_counter() - t, 3), **report})
        if n and not (report["warnings"] or report["escalations"]):
            break
    idle = passes[-1]["s"] if len(passes) > 1 else None
    return {"open_items": open_items, "first_s": passes[0]["s"], "idle_s": idle, "passes": passes}


def explain_heaviest() -> dict:
    """The plan of the rollup's heaviest dashboard-style read: a month by unit over the raw
    ratings (what a report would do without the summaries), and over the summaries."""
    from django.db import connection

    from haochaping.core.clock import today
    from haochaping.results.periods import period_containing

    month = period_containing("month", today()).previous()
    out = {}
    queries = {
        "rollup_month_by_unit": "SELECT unit_id, level, SUM(count) FROM ratings_ratingrollup "
        "WHERE day >= %s AND day < %s GROUP BY 1, 2",
        "summary_month_by_unit": "SELECT unit_id, level, SUM(count) FROM results_unitmonthcount "
        "WHERE month = %s GROUP BY 1, 2",
        "raw_month_bad": "SELECT unit_id, COUNT(*) FROM ratings_rating WHERE assessed_at >= %s "
        "AND assessed_at < %s AND level IN ('dissatisfied', 'very_dissatisfied') "
        "GROUP BY 1",
    }
    params = {
        "rollup_month_by_unit": [month.start, month.end],
        "summary_month_by_unit": [month.start],
        "raw_month_bad": [
            dt.datetime.combine(month.start, dt.time(), tzinfo=dt.UTC),
            dt.datetime.combine(month.end, dt.time(), tzinfo=dt.UTC),
        ],
    }
    with connection.cursor() as cur:
        for name, sql in queries.items():
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params[name])
            plan = cur.fetchone()[0][0]
            node = plan["Plan"]
            while node.get("Plans") and node["Node Type"] not in (
                "Seq Scan",
                "Index Scan",
                "Index Only Scan",
                "Bitmap Heap Scan",
            ):
                node = node["Plans"][0]
            out[name] = {
                "ms": round(plan["Execution Time"], 1),
                "scan": node["Node Type"],
                "index": node.get("Index Name") or node.get("Plans", [{}])[0].get("Index Name"),
                "rows": node.get("Actual Rows"),
            }
    return out


def run_scale(args: Namespace, ratings: int, data_dir: Path) -> dict:
    name = f"{args.db_prefix}_{ratings}"
    figures: dict = {"ratings": ratings, "db": name}
    with scratch_database("postgresql", name=name, admin_url=args.admin_url, keep=args.keep) as url:
        from django.db import connection

        from haochaping.core.clock import today
        from haochaping.workdays.models import CalendarEntry
        from haochaping.workdays.services import calendar_load_shipped

        if not CalendarEntry.objects.exists():
            calendar_load_shipped()
        emit(scenario="province", step="org", db=name, **build_province(args.cities))
        figures["peak"] = peak_requirement(today() - dt.timedelta(days=YEAR_DAYS))
        if not args.skip_ingest:
            figures["ingest_empty"] = ingest(args, url, "empty", data_dir)
            emit(
                scenario="province",
                step="ingest_empty",
                ratings=ratings,
                **figures["ingest_empty"],
                **env_fields(),
            )
        gen = generate_year(ratings, today(), raw_months=args.raw_months, open_days=args.open_days)
        emit(scenario="province", step="data", db=name, **gen, **env_fields())
        figures["generate_s"] = sum(v for k, v in gen.items() if k.endswith("_s"))
        figures["sizes"] = sizes(ratings)
        emit(scenario="province", step="sizes", ratings=ratings, **figures["sizes"])
        figures["dashboards"] = dashboards(args.requests)
        for page, row in figures["dashboards"].items():
            emit(
                scenario="province",
                step="dashboard",
                ratings=ratings,
                page=page,
                **row,
                **env_fields(),
            )
        figures["reports"] = reports(set(args.render.split(",")))
        for kind, row in figures["reports"].items():
            emit(
                scenario="province",
                step="report",
                ratings=ratings,
                kind=kind,
                **row,
                **env_fields(),
            )
        figures["sweep"] = sweep()
        emit(scenario="province", step="sweep", ratings=ratings, **figures["sweep"], **env_fields())
        figures["plans"] = explain_heaviest()
        emit(scenario="province", step="plans", ratings=ratings, **figures["plans"])
        if not args.skip_ingest:
            figures["ingest_full"] = ingest(args, url, "full", data_dir)
            full, empty = figures["ingest_full"], figures["ingest_empty"]
            emit(
                scenario="province",
                step="ingest_full",
                ratings=ratings,
                **full,
                api_ratio=round(full["api_rps"] / empty["api_rps"], 2),
                import_ratio=round(full["import_per_s"] / empty["import_per_s"], 2),
                **env_fields(),
            )
        with connection.cursor() as cur:
            cur.execute("SELECT pg_sleep(%s)", [args.settle])  # let autovacuum look at it
        figures["autovacuum"] = autovacuum()
        emit(scenario="province", step="autovacuum", ratings=ratings, **figures["autovacuum"])
    return figures


def growth(base: dict, big: dict, peak: dict) -> None:
    """One line per figure: baseline, N, ratio."""

    def line(what: str, a, b, goal=None, lower_is_better=True) -> None:
        row = {
            "scenario": "province",
            "step": "growth",
            "what": what,
            "baseline_ratings": base["ratings"],
            "ratings": big["ratings"],
            "baseline": a,
            "value": b,
            "ratio": round(b / a, 2) if a else None,
        }
        if goal is not None:
            row.update(goal=goal, met=(b <= goal) if lower_is_better else (b >= goal))
        emit(**row)

    line("db_mb", base["sizes"]["db_mb"], big["sizes"]["db_mb"])
    line("mb_per_million", base["sizes"]["mb_per_million"], big["sizes"]["mb_per_million"])
    for page in big["dashboards"]:
        line(
            f"{page}_server_p95_ms",
            base["dashboards"][page]["server_p95_ms"],
            big["dashboards"][page]["server_p95_ms"],
            goal=100,
        )
    for kind in big["reports"]:
        line(
            f"report_{kind}_generate_s",
            base["reports"][kind]["generate_s"],
            big["reports"][kind]["generate_s"],
            goal=10 if kind.startswith("monthly") else 60,
        )
    line("sweep_first_s", base["sweep"]["first_s"], big["sweep"]["first_s"])
    if base["sweep"]["idle_s"] is not None and big["sweep"]["idle_s"] is not None:
        line("sweep_idle_s", base["sweep"]["idle_s"], big["sweep"]["idle_s"], goal=1.0)
    line("sweep_open_items", base["sweep"]["open_items"], big["sweep"]["open_items"])
    for name in big["plans"]:
        line(f"plan_{name}_ms", base["plans"][name]["ms"], big["plans"][name]["ms"])
    if "ingest_full" in big:
        line(
            "api_ratings_per_s",
            base["ingest_full"]["api_rps"],
            big["ingest_full"]["api_rps"],
            goal=peak["peak_minute_per_s"],
            lower_is_better=False,
        )
        line(
            "import_records_per_s",
            base["ingest_full"]["import_per_s"],
            big["ingest_full"]["import_per_s"],
            goal=20_000,
            lower_is_better=False,
        )
        emit(
            scenario="province",
            step="headroom",
            **peak,
            api_capacity_per_s=big["ingest_full"]["api_rps"],
            headroom=round(big["ingest_full"]["api_rps"] / peak["peak_minute_per_s"], 1),
            headroom_busiest_hour=round(
                big["ingest_full"]["api_rps"] / peak["busiest_hour_per_s"], 1
            ),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])  # PostgreSQL only
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--db-prefix", default="prov_province", help="scratch database names")
    parser.add_argument("--ratings", type=int, default=100_000, help="ratings in the year (N)")
    parser.add_argument("--baseline", type=int, default=20_000, help="the baseline scale")
    parser.add_argument("--cities", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=8.0, help="API load seconds")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--import-records", type=int, default=20_000)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before autovacuum stats")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument(
        "--raw-months",
        type=int,
        default=0,
        help="store raw rows of good ratings for the last N months only (0: all)",
    )
    parser.add_argument(
        "--open-days",
        type=int,
        default=20,
        help="bad ratings of the last N days have open rectifications",
    )
    parser.add_argument(
        "--render",
        default="monthly_bulletin",
        help="report kinds also rendered to XLSX/PDF and archived (comma list)",
    )
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="prov-province-"))
    os.environ["HAOCHAPING_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("HAOCHAPING_BENCH_ENDPOINTS", "1")
    try:
        results = [run_scale(args, n, data_dir) for n in (args.baseline, args.ratings)]
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    peak = results[0]["peak"]
    emit(scenario="province", step="peak_requirement", **peak)
    growth(results[0], results[-1], peak)


if __name__ == "__main__":
    main()
