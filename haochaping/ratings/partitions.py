# ruff: noqa: S608 -- SQL is built from the table specs below and from catalog names only
"""Monthly RANGE partitions of the big tables on PostgreSQL (docs/partitioning.md).

``ratings_rating`` is partitioned by ``received_at`` (a server time: new ratings always land in
the current month), the rollup and the results day summaries by their local ``day``. Each table
has one partition per local month (``<table>_pYYYYMM``), a DEFAULT partition (``<table>_default``)
so that no row is ever refused, and, when the table held rows before partitioning, a ``_legacy``
partition with everything before the conversion month.

A partitioned table's primary key and unique constraints must include the partition column, so:

* the primary key is ``(id, <column>)``; Django keeps ``id`` as the primary key in Python, and
  every partition has it as the leading column of its primary key index (lookups by id probe one
  small index per partition);
* the rating's global unique rules (receipt, one rating per case + stage + number, idempotency
  key) move to ``ratings_ratingkey``, a narrow unpartitioned table kept by statement-level
  triggers on the partitioned parent, carrying the constraints under their Django names; a
  duplicate therefore still fails the INSERT with an IntegrityError, whatever wrote it;
* foreign keys *to* ratings cannot be enforced by PostgreSQL: they are ``db_constraint=False``
  (Django still cascades and protects in Python), and :func:`orphans_count` looks for orphans.

SQLite keeps the plain tables: every function here returns at once on another vendor.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from haochaping.core.clock import LOCAL_TZ

if TYPE_CHECKING:
    from django.db.models import Q

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spec:
    table: str
    column: str
    timestamp: bool  # timestamptz column (bounds at local midnight) rather than a date


RATING = Spec("ratings_rating", "received_at", timestamp=True)
ROLLUP = Spec("ratings_ratingrollup", "day", timestamp=False)
SUMMARIES = (
    Spec("results_unitdaycount", "day", timestamp=False),
    Spec("results_reasondaycount", "day", timestamp=False),
    Spec("results_casedaycount", "day", timestamp=False),
)
PARTITIONED: tuple[Spec, ...] = (RATING, ROLLUP, *SUMMARIES)

KEY_TABLE = "ratings_ratingkey"

# The rating's unique rules, on the key table (same names as Rating.Meta.constraints).
_KEY_DDL = f"""
CREATE TABLE IF NOT EXISTS {KEY_TABLE} (
  id bigint PRIMARY KEY,
  received_at timestamptz NOT NULL,
  receipt varchar(12) NOT NULL,
  case_id bigint,
  stage varchar(12) NOT NULL,
  assess_number smallint NOT NULL,
  idempotency_key varchar(64) NOT NULL
);
COMMENT ON TABLE {KEY_TABLE} IS 'Global unique keys of ratings_rating (partitioned); kept by triggers.';
"""
_KEY_INDEXES = [
    f"ALTER TABLE {KEY_TABLE} ADD CONSTRAINT rating_receipt_unique UNIQUE (receipt)",
    f"CREATE UNIQUE INDEX one_rating_per_case_stage_number ON {KEY_TABLE} "
    "(case_id, stage, assess_number) WHERE case_id IS NOT NULL",
    f"CREATE UNIQUE INDEX rating_idempotency_key_unique ON {KEY_TABLE} (idempotency_key) "
    "WHERE idempotency_key <> ''",
]
_KEY_COLS = "id, received_at, receipt, case_id, stage, assess_number, idempotency_key"

# Statement-level, on the partitioned parent: one statement per INSERT/UPDATE/DELETE whatever its
# row count (COPY imports and INSERT ... SELECT included). DML sent to a partition directly (the
# DEFAULT-row move below) fires none of them, which is what the move wants.
KEY_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION ratings_key_ins() RETURNS trigger AS $$
BEGIN
  INSERT INTO {KEY_TABLE} ({_KEY_COLS}) SELECT {_KEY_COLS} FROM new_rows ORDER BY id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION ratings_key_upd() RETURNS trigger AS $$
BEGIN
  UPDATE {KEY_TABLE} k SET received_at = n.received_at, receipt = n.receipt, case_id = n.case_id,
         stage = n.stage, assess_number = n.assess_number, idempotency_key = n.idempotency_key
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE k.id = n.id AND (n.received_at, n.receipt, n.case_id, n.stage, n.assess_number,
        n.idempotency_key) IS DISTINCT FROM (o.received_at, o.receipt, o.case_id, o.stage,
        o.assess_number, o.idempotency_key);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION ratings_key_del() RETURNS trigger AS $$
BEGIN
  DELETE FROM {KEY_TABLE} k USING old_rows o WHERE k.id = o.id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION ratings_key_truncate() RETURNS trigger AS $$
BEGIN
  TRUNCATE {KEY_TABLE};
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ratings_key_ins ON {RATING.table};
DROP TRIGGER IF EXISTS ratings_key_upd ON {RATING.table};
DROP TRIGGER IF EXISTS ratings_key_del ON {RATING.table};
DROP TRIGGER IF EXISTS ratings_key_truncate ON {RATING.table};
CREATE TRIGGER ratings_key_ins AFTER INSERT ON {RATING.table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ratings_key_ins();
CREATE TRIGGER ratings_key_upd AFTER UPDATE ON {RATING.table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ratings_key_upd();
CREATE TRIGGER ratings_key_del AFTER DELETE ON {RATING.table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ratings_key_del();
CREATE TRIGGER ratings_key_truncate AFTER TRUNCATE ON {RATING.table}
  FOR EACH STATEMENT EXECUTE FUNCTION ratings_key_truncate();
"""

# Tables whose ``rating_id`` points at a rating without a database constraint.
RATING_REFERENCES = (
    ("ratings_ratingevent", "rating_id"),
    ("channels_ratinglink", "rating_id"),
    ("channels_staffentry", "rating_id"),
    ("rectification_rectification", "rating_id"),
    ("appeals_appeal", "rating_id"),
    ("coverage_supplementarytask", "rating_id"),
    ("coverage_taskattempt", "rating_id"),
    ("coverage_comment", "rating_id"),
    ("coverage_sampleentry", "rating_id"),
    ("integrity_fingerprint", "rating_id"),
    ("integrity_review", "rating_id"),
)


def months_ahead() -> int:
    """How many months after the current one keep a partition ready (default 3)."""
    return int(getattr(settings, "HAOCHAPING_PARTITIONS", {}).get("MONTHS_AHEAD", 3))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def local_today() -> dt.date:
    from haochaping.core.clock import now

    return now().astimezone(LOCAL_TZ).date()


def _bound(spec: Spec, month: dt.date) -> str:
    if spec.timestamp:
        # Local (UTC+8) midnight, as reports count months.
        return f"'{month.isoformat()} 00:00:00+08'"
    return f"'{month.isoformat()}'"


def partition_name(spec: Spec, month: dt.date) -> str:
    return f"{spec.table}_p{month:%Y%m}"


def rating_locate(*, receipt: str = "", idempotency_key: str = "") -> Q | None:
    """A filter for the rating with this receipt (or this idempotency key) that PostgreSQL
    plans against one partition: its (id, received_at) from the key table's unique index. The
    ratings table itself has no index on either (migration 0011); a plain ``receipt=`` would
    also probe every monthly partition and plan all of them (~1.2 ms against 0.1 ms at 29
    partitions, docs/partitioning.md). On SQLite: the column itself. None when no rating has it."""
    from django.db import connections, router
    from django.db.models import Q

    from haochaping.ratings.models import Rating

    if receipt and idempotency_key:
        raise ValueError("rating_locate takes a receipt or an idempotency key, not both")
    if not receipt and not idempotency_key:
        return None  # no rating has an empty receipt; an empty key is no key
    column, value = ("receipt", receipt) if receipt else ("idempotency_key", idempotency_key)
    connection = connections[router.db_for_read(Rating)]
    if connection.vendor != "postgresql":
        return Q(**{column: value})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, received_at FROM {KEY_TABLE} WHERE {column} = %s",
            [value],
        )
        row = cursor.fetchone()
    return Q(pk=row[0], received_at=row[1]) if row else None


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


# --- the conversion (migrations) ----------------------------------------------------------------


def _indexes(cursor, table: str) -> list[tuple[str, str, bool, bool, str | None]]:
    """(name, definition, unique, primary, constraint name) of a table's indexes."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisprimary, "
        "con.conname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p','u') "
        "WHERE i.indrelid = %s::regclass ORDER BY c.relname",
        [table],
    )
    return cursor.fetchall()


def _constraints(cursor, table: str, kind: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = %s ORDER BY conname",
        [table, kind],
    )
    return cursor.fetchall()


def _parent_indexes(spec: Spec, old_indexes) -> list[tuple[str, str]]:
    """(name, CREATE statement on the parent) for every index of the unpartitioned table: the
    primary key gains the partition column; a unique index without it becomes a plain index
    (its rule moves to the key table)."""
    out = []
    col = spec.column
    for name, definition, unique, primary, _constraint in old_indexes:
        if primary:
            continue
        body = definition.split(" USING ", 1)[1]
        columns = re.match(r"\w+ \(([^)]*)\)", body).group(1)
        if unique and col not in [c.strip() for c in columns.split(",")]:
            # the rule itself lives on the key table, under ``name``
            out.append((f"{name}_idx", f"CREATE INDEX {name}_idx ON {spec.table} USING {body}"))
        elif unique:
            out.append((name, f"CREATE UNIQUE INDEX {name} ON {spec.table} USING {body}"))
        else:
            out.append((name, f"CREATE INDEX {name} ON {spec.table} USING {body}"))
    return out


def convert(connection, spec: Spec) -> None:
    """Turn one unpartitioned table into a partitioned one (PostgreSQL; idempotent).

    Runs outside a transaction (the migration is ``atomic = False``). An empty table is
    replaced in one short transaction. A table with rows is kept whole as the ``_legacy``
    partition: first, without blocking writers, the indexes the partitioned parent needs are
    built CONCURRENTLY on it and a NOT VALID range CHECK is added and VALIDATEd (SHARE UPDATE
    EXCLUSIVE); then one short transaction renames it, creates the parent and ATTACHes it,
    which finds the indexes and the CHECK and so neither builds nor scans anything."""
    from django.db import transaction

    with connection.cursor() as cursor:
        if is_partitioned(cursor, spec.table):
            return
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {spec.table})")
        has_rows = cursor.fetchone()[0]
        old_indexes = _indexes(cursor, spec.table)
        parent_indexes = _parent_indexes(spec, old_indexes)
        cut = month_add(month_start(local_today()), 1)
        legacy = f"{spec.table}_legacy"
        if has_rows:
            # the partition's copies of the parent's indexes, built while writes go on
            cursor.execute(
                f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {legacy}_pk_idx "
                f"ON {spec.table} (id, {spec.column})"
            )
            for name, create in parent_indexes:
                if "CREATE UNIQUE" in create:
                    continue  # the old unique index already matches
                if any(n == name and not u for n, _d, u, _p, _c in old_indexes):
                    continue  # the same plain index exists
                short = f"{spec.table}_l_{name}"
                cursor.execute(
                    create.replace(
                        f"INDEX {name} ON", f"INDEX CONCURRENTLY IF NOT EXISTS {short} ON", 1
                    )
                )
            check = f"{legacy}_range"
            cursor.execute(
                f"ALTER TABLE {spec.table} DROP CONSTRAINT IF EXISTS {check}; "
                f"ALTER TABLE {spec.table} ADD CONSTRAINT {check} CHECK "
                f"({spec.column} IS NOT NULL AND {spec.column} < {_bound(spec, cut)}) NOT VALID"
            )
            cursor.execute(f"ALTER TABLE {spec.table} VALIDATE CONSTRAINT {check}")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Waiting behind a long query would queue every writer behind us: fail fast instead
        # (run the migration again).
        cursor.execute("SET LOCAL lock_timeout = '5s'")
        _swap(cursor, spec, old_indexes, parent_indexes, cut=cut, has_rows=has_rows)


def _swap(cursor, spec: Spec, old_indexes, parent_indexes, *, cut: dt.date, has_rows: bool) -> None:
    table, col = spec.table, spec.column
    legacy = f"{table}_legacy"
    work = f"{table}_new"
    cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    fks = _constraints(cursor, table, "f")
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [table],
    )
    triggers = cursor.fetchall()
    # foreign keys that point at this table cannot point at a partitioned one
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    for other, name in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {other} DROP CONSTRAINT "{name}"')
    for name, _definition in triggers:
        cursor.execute(f'DROP TRIGGER "{name}" ON {table}')
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    old_seq = cursor.fetchone()[0]
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    max_id = cursor.fetchone()[0]
    if old_seq:
        cursor.execute(f"SELECT last_value FROM {old_seq}")
        max_id = max(max_id, cursor.fetchone()[0])

    # the parent: same columns, defaults and CHECKs, no identity (PostgreSQL 15 refuses one on
    # a partitioned table): the id comes from an owned sequence that continues the old one
    cursor.execute(
        f"CREATE TABLE {work} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({col})"
    )
    cursor.execute(f"ALTER TABLE {work} DROP CONSTRAINT IF EXISTS {legacy}_range")
    seq = f"{table}_id_seq"
    if has_rows:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {legacy}")
        cursor.execute(f"ALTER TABLE {legacy} ALTER COLUMN id DROP IDENTITY IF EXISTS")
        # index and constraint names are per schema: the partition's step aside for the parent's
        for name, _definition, _unique, _primary, constraint in old_indexes:
            if name == f"{legacy}_pk_idx" or name.startswith(f"{table}_l_"):
                continue  # built above for the partition
            if constraint:
                cursor.execute(
                    f'ALTER TABLE {legacy} RENAME CONSTRAINT "{constraint}" TO "{legacy}_{constraint}"'
                )
            else:
                cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{legacy}_{name}"')
        cursor.execute(f'ALTER TABLE {legacy} DROP CONSTRAINT "{legacy}_{table}_pkey"')
        cursor.execute(
            f"ALTER TABLE {legacy} ADD CONSTRAINT {legacy}_pkey PRIMARY KEY USING INDEX {legacy}_pk_idx"
        )
    else:
        cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {seq}")
    cursor.execute(f"ALTER TABLE {work} RENAME TO {table}")
    cursor.execute(f"CREATE SEQUENCE {seq} AS bigint OWNED BY {table}.id")
    cursor.execute(f"SELECT setval('{seq}', %s, %s)", [max(max_id, 1), max_id > 0])
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{seq}')")
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {col})")
    for _name, create in parent_indexes:
        cursor.execute(create)
    for name, definition in fks:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    if has_rows:
        cursor.execute(
            f"ALTER TABLE {table} ATTACH PARTITION {legacy} FOR VALUES FROM (MINVALUE) "
            f"TO ({_bound(spec, cut)})"
        )
    for _name, definition in triggers:
        cursor.execute(definition)  # "ON <table>": the parent has the old table's name now
    month = month_start(local_today())
    first = cut if has_rows else month
    for n in range(months_ahead() + 2 if has_rows else months_ahead() + 1):
        partition_create(cursor, spec, month_add(first, n))
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {table}_default PARTITION OF {table} DEFAULT")


def key_table_install(connection) -> None:
    """The rating key table, its triggers, and its rows for ratings already stored."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [KEY_TABLE])
        exists = cursor.fetchone()[0]
        if not exists:
            cursor.execute(_KEY_DDL)
            for sql in _KEY_INDEXES:
                cursor.execute(sql)  # on an empty table: instant
        cursor.execute(KEY_TRIGGERS)
        # the ratings stored before the triggers, in batches (each its own short transaction)
        last = 0
        while True:
            cursor.execute(
                f"WITH b AS (SELECT {_KEY_COLS} FROM {RATING.table} WHERE id > %s ORDER BY id "
                f"LIMIT 50000), ins AS (INSERT INTO {KEY_TABLE} ({_KEY_COLS}) SELECT * FROM b "
                f"ON CONFLICT (id) DO NOTHING) SELECT max(id) FROM b",
                [last],
            )
            top = cursor.fetchone()[0]
            if top is None:
                break
            last = top
        # the legacy partition's own unique rules are the key table's now
        for name in (
            "ratings_rating_legacy_rating_receipt_unique",
            "ratings_rating_legacy_one_rating_per_case_stage_number",
            "ratings_rating_legacy_rating_idempotency_key_unique",
        ):
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conname = %s AND contype = 'u'", [name]
            )
            if cursor.fetchone():
                cursor.execute(f'ALTER TABLE {RATING.table}_legacy DROP CONSTRAINT "{name}"')
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name[:63]}"')


# --- partition upkeep (the periodic job and the command) ----------------------------------------


def partition_create(cursor, spec: Spec, month: dt.date) -> str | None:
    """Create the partition of ``month`` unless it exists; rows of that month waiting in the
    DEFAULT partition move into it in the same transaction. Returns its name if created."""
    name = partition_name(spec, month)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return None
    lower, upper = _bound(spec, month), _bound(spec, month_add(month, 1))
    default = f"{spec.table}_default"
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
    if cursor.fetchone()[0]:
        cursor.execute(f"LOCK TABLE {default} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        # DML on the partitions, not the parent: no parent trigger runs (the summaries and
        # the key table already count these rows)
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE {spec.column} >= {lower} "
            f"AND {spec.column} < {upper} RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        )
        moved = cursor.rowcount
        cursor.execute(
            f"ALTER TABLE {spec.table} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})"
        )
        if moved:
            logger.warning(
                "partitions: moved %s rows of %s from %s into %s", moved, month, default, name
            )
    else:
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {spec.table} FOR VALUES FROM ({lower}) TO ({upper})"
        )
    return name


def legacy_end(cursor, spec: Spec) -> dt.date | None:
    """The first month not in the ``_legacy`` partition (None without one)."""
    cursor.execute(
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = to_regclass(%s)",
        [f"{spec.table}_legacy"],
    )
    row = cursor.fetchone()
    if not row:
        return None
    upper = re.search(r"TO \('([^']+)'\)", row[0]).group(1)
    if spec.timestamp:
        return dt.datetime.fromisoformat(upper).astimezone(LOCAL_TZ).date()
    return dt.date.fromisoformat(upper)


def default_months(cursor, spec: Spec) -> list[tuple[dt.date, int]]:
    """(month, rows) of the rows waiting in a table's DEFAULT partition."""
    expr = (
        f"date_trunc('month', {spec.column} AT TIME ZONE 'Asia/Shanghai')::date"
        if spec.timestamp
        else f"date_trunc('month', {spec.column})::date"
    )
    cursor.execute(f"SELECT {expr}, count(*) FROM {spec.table}_default GROUP BY 1 ORDER BY 1")
    return cursor.fetchall()


def create_ahead(connection=None, *, ahead: int | None = None) -> dict:
    """Partitions from this month to ``ahead`` months on for every partitioned table, and one
    for each month that has rows waiting in a DEFAULT partition (which moves them)."""
    from django.db import connection as default_connection
    from django.db import transaction

    connection = connection or default_connection
    report: dict = {"created": [], "moved": {}}
    if connection.vendor != "postgresql":
        return report
    ahead = months_ahead() if ahead is None else ahead
    this_month = month_start(local_today())
    for spec in PARTITIONED:
        with connection.cursor() as cursor:
            if not is_partitioned(cursor, spec.table):
                continue
            waiting = default_months(cursor, spec)
            start = legacy_end(cursor, spec)
        months = [month_add(this_month, n) for n in range(ahead + 1)]
        for month, rows in waiting:
            report["moved"][f"{spec.table} {month:%Y-%m}"] = rows
            if month not in months:
                months.append(month)
        for month in sorted(months):
            if start is not None and month < start:
                continue  # the legacy partition holds it
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
                name = partition_create(cursor, spec, month)
            if name:
                report["created"].append(name)
    return report


def status(connection=None) -> list[dict]:
    """Every partition of every partitioned table: bounds, estimated and exact rows, size."""
    from django.db import connection as default_connection

    connection = connection or default_connection
    rows: list[dict] = []
    if connection.vendor != "postgresql":
        return rows
    with connection.cursor() as cursor:
        for spec in PARTITIONED:
            if not is_partitioned(cursor, spec.table):
                continue
            cursor.execute(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), "
                "pg_total_relation_size(c.oid), c.reltuples::bigint FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass "
                "ORDER BY c.relname",
                [spec.table],
            )
            for name, bound, size, estimate in cursor.fetchall():
                rows.append(
                    {
                        "table": spec.table,
                        "partition": name,
                        "bound": bound,
                        "bytes": size,
                        "rows_estimate": max(estimate, 0),
                    }
                )
    return rows


def count_rows(connection, partition: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{partition}"')
        return cursor.fetchone()[0]


# A rating's references that PostgreSQL does not enforce (the ``db_constraint=False`` foreign
# keys of ``Rating`` other than ``case``, migration ratings 0010), checked through the rollup's keys: every stored rating adds to a rollup row
# with the same unit, item, window and staff, and the rollup is a small fraction of the ratings.
ROLLUP_DIMENSIONS = (
    ("unit_id", "org_unit"),
    ("item_key", "catalog_serviceitem"),
    ("window_key", "org_window"),
    ("staff_key", "org_staff"),
)


def dimension_orphans_count(connection=None) -> dict[str, int]:
    """How many distinct ids ratings name (through their rollup counts) that are missing from
    each dimension table: 0 unless a row was deleted behind Django's back (Django itself keeps
    ``on_delete`` PROTECT / SET_NULL for these fields). SQLite keeps these foreign keys."""
    connection = _postgres(connection)
    if connection is None:
        return {}
    with connection.cursor() as cursor:
        return _nonzero_counts(
            cursor,
            {
                table: f"SELECT count(DISTINCT r.{column}) FROM {ROLLUP.table} r "
                f"WHERE r.{column} <> 0 AND NOT EXISTS (SELECT 1 FROM {table} d WHERE d.id = r.{column})"
                for column, table in ROLLUP_DIMENSIONS
            },
        )


def orphans_count(connection=None) -> dict[str, int]:
    """Rows whose ``rating_id`` names no rating (foreign keys to ratings are not enforced by
    PostgreSQL once ratings are partitioned)."""
    connection = _postgres(connection)
    if connection is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [KEY_TABLE])
        if not cursor.fetchone()[0]:
            return {}
        queries = {}
        for table, column in RATING_REFERENCES:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if cursor.fetchone()[0]:
                queries[table] = (
                    f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {KEY_TABLE} k WHERE k.id = t.{column})"
                )
        return _nonzero_counts(cursor, queries)


def _postgres(connection):
    """``connection`` (default: Django's default one) when it is PostgreSQL, else None."""
    from django.db import connection as default_connection

    connection = connection or default_connection
    return connection if connection.vendor == "postgresql" else None


def _nonzero_counts(cursor, queries: dict[str, str]) -> dict[str, int]:
    """Each query's count, under its name, when it is not 0."""
    out: dict[str, int] = {}
    for name, sql in queries.items():
        cursor.execute(sql)
        n = cursor.fetchone()[0]
        if n:
            out[name] = n
    return out
