# ruff: noqa: S608 -- the SQL is built from module constants only, never from input
"""Database triggers that keep the summary tables exact (installed by migrations 0002 and 0004).

PostgreSQL: statement-level triggers over transition tables; SQLite: row-level triggers. Both:
every change of a ``ratings_ratingrollup`` row (insert, the upsert's
update, a decrement on exclusion, a delete) adds its difference to ``results_unitdaycount`` and
``results_unitmonthcount``; every insert of a valid first rating, and every change of a rating's
validity, adds or takes away its reason codes in ``results_reasondaycount``. The triggers run in
the writer's transaction, so a rolled-back rating leaves no count behind.

Day boundaries are local (Asia/Shanghai, UTC+8 all year): the rollup's ``day`` is already local;
for reason codes PostgreSQL converts with ``AT TIME ZONE`` and SQLite (which stores UTC text)
adds eight hours.
"""

from __future__ import annotations

from types import SimpleNamespace

ROLLUP = "ratings_ratingrollup"
RATING = "ratings_rating"
DAY = "results_unitdaycount"
MONTH = "results_unitmonthcount"
REASON = "results_reasondaycount"
KEY = "unit_id, channel, level, origin, assess_number"

# --- PostgreSQL ---------------------------------------------------------------------------------
#
# Statement-level triggers with transition tables: one trigger call per statement, whatever its
# row count, aggregating the statement's rows with GROUP BY into one INSERT ... ON CONFLICT per
# summary table. A bulk import's ``INSERT ... SELECT`` of 20,000 ratings therefore costs three
# summary upserts, not 60,000. Transition tables need one trigger per event (and no column list
# on UPDATE), hence the separate INSERT / UPDATE / DELETE triggers. ``INSERT ... ON CONFLICT DO
# UPDATE`` (the rollup upsert) fires the INSERT trigger with the inserted rows and the UPDATE
# trigger with the updated ones. Rows are upserted in key order, so two writers touching the same
# summary rows lock them in the same order (no deadlock between concurrent submissions).


def _pg_rollup_function(name: str, delta: str, rows: str) -> str:
    """A trigger function adding the statement's rollup ``delta`` rows (day, KEY, n) to the day
    and month tables: one GROUP BY, one upsert per table. It returns at once when the
    transition table ``rows`` is empty: the rollup upsert fires both the INSERT and the UPDATE
    trigger, and one of them always has no rows (about a third of the trigger time of a
    rating, measured)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM {rows}) THEN
    RETURN NULL;
  END IF;
  WITH delta AS ({delta}),
  d AS (
    SELECT day, {KEY}, sum(n) AS n FROM delta GROUP BY day, {KEY}
  ),
  day_rows AS (
    INSERT INTO {DAY} (day, {KEY}, count)
      SELECT day, {KEY}, n FROM d WHERE n <> 0 ORDER BY day, {KEY}
    ON CONFLICT (day, {KEY}) DO UPDATE SET count = {DAY}.count + EXCLUDED.count
  )
  INSERT INTO {MONTH} (month, {KEY}, count)
    SELECT date_trunc('month', day)::date, {KEY}, sum(n) FROM d
    GROUP BY 1, {KEY} HAVING sum(n) <> 0 ORDER BY 1, {KEY}
  ON CONFLICT (month, {KEY}) DO UPDATE SET count = {MONTH}.count + EXCLUDED.count;
  RETURN NULL;
END $$ LANGUAGE plpgsql;"""


def _pg_reason_function(name: str, delta: str) -> str:
    """A trigger function adding the reason codes of the statement's ``delta`` ratings
    (rating columns plus ``n``, +1 or -1) to the reason table in one upsert."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
  WITH delta AS ({delta})
  INSERT INTO {REASON} (day, unit_id, level, code, count)
    SELECT day, unit_id, level, code, sum(n) FROM (
      SELECT DISTINCT r.id, (r.assessed_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
             r.unit_id, r.level, c.code, r.n
      FROM delta r CROSS JOIN LATERAL jsonb_array_elements_text(r.option_codes) AS c(code)
      WHERE r.assess_number = 1 AND jsonb_typeof(r.option_codes) = 'array'
    ) x
    GROUP BY day, unit_id, level, code HAVING sum(n) <> 0 ORDER BY day, unit_id, level, code
  ON CONFLICT (day, unit_id, level, code) DO UPDATE SET count = {REASON}.count + EXCLUDED.count;
  RETURN NULL;
END $$ LANGUAGE plpgsql;"""


_ROW_COLS = f"day, {KEY}"
_RATING_COLS = "id, assessed_at, unit_id, level, option_codes, assess_number"

PG_ROLLUP_FUNCTIONS = f"""
{
    _pg_rollup_function(
        "results_rollup_ins", f"SELECT {_ROW_COLS}, count AS n FROM new_rows", "new_rows"
    )
}
{
    _pg_rollup_function(
        "results_rollup_upd",
        f"SELECT {_ROW_COLS}, count AS n FROM new_rows "
        f"UNION ALL SELECT {_ROW_COLS}, -count AS n FROM old_rows",
        "new_rows",
    )
}
{
    _pg_rollup_function(
        "results_rollup_del", f"SELECT {_ROW_COLS}, -count AS n FROM old_rows", "old_rows"
    )
}
"""
PG_INSTALL = f"""
{PG_ROLLUP_FUNCTIONS}
{
    _pg_reason_function(
        "results_reason_ins",
        f"SELECT {_RATING_COLS}, 1 AS n FROM new_rows WHERE validity = 'valid'",
    )
}
{
    _pg_reason_function(
        "results_reason_upd",
        f"SELECT nw.{_RATING_COLS.replace(', ', ', nw.')}, 1 AS n FROM new_rows nw "
        f"JOIN old_rows od ON od.id = nw.id WHERE nw.validity = 'valid' AND od.validity <> 'valid' "
        f"UNION ALL SELECT od.{_RATING_COLS.replace(', ', ', od.')}, -1 AS n FROM old_rows od "
        f"JOIN new_rows nw ON nw.id = od.id WHERE od.validity = 'valid' AND nw.validity <> 'valid'",
    )
}

CREATE TRIGGER results_rollup_ins AFTER INSERT ON {ROLLUP}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION results_rollup_ins();
CREATE TRIGGER results_rollup_upd AFTER UPDATE ON {ROLLUP}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION results_rollup_upd();
CREATE TRIGGER results_rollup_del AFTER DELETE ON {ROLLUP}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION results_rollup_del();
CREATE TRIGGER results_reason_ins AFTER INSERT ON {RATING}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION results_reason_ins();
-- No column list: transition tables are not allowed with "UPDATE OF validity". The function
-- joins old and new rows and counts only rows whose validity changed.
CREATE TRIGGER results_reason_upd AFTER UPDATE ON {RATING}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION results_reason_upd();
"""

_PG_STATEMENT_OBJECTS = f"""
DROP TRIGGER IF EXISTS results_rollup_ins ON {ROLLUP};
DROP TRIGGER IF EXISTS results_rollup_upd ON {ROLLUP};
DROP TRIGGER IF EXISTS results_rollup_del ON {ROLLUP};
DROP TRIGGER IF EXISTS results_reason_ins ON {RATING};
DROP TRIGGER IF EXISTS results_reason_upd ON {RATING};
DROP FUNCTION IF EXISTS results_rollup_ins();
DROP FUNCTION IF EXISTS results_rollup_upd();
DROP FUNCTION IF EXISTS results_rollup_del();
DROP FUNCTION IF EXISTS results_reason_ins();
DROP FUNCTION IF EXISTS results_reason_upd();
"""

# The row-level objects of migration 0002's first version (one call per row: ~90% of a bulk
# import's time). Dropped by migration 0004; listed so every install starts clean.
_PG_ROW_OBJECTS = f"""
DROP TRIGGER IF EXISTS results_rollup_sync ON {ROLLUP};
DROP TRIGGER IF EXISTS results_reason_sync ON {RATING};
DROP FUNCTION IF EXISTS results_rollup_sync();
DROP FUNCTION IF EXISTS results_reason_sync();
DROP FUNCTION IF EXISTS results_reason_add({RATING}, integer);
DROP FUNCTION IF EXISTS results_add_count(date, bigint, varchar, varchar, varchar, smallint, integer);
"""

PG_UNINSTALL = _PG_STATEMENT_OBJECTS + _PG_ROW_OBJECTS

# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_add(row: str, sign: str) -> str:
    """Statements adding ``sign * row.count`` to the day and month tables (row: NEW or OLD)."""
    vals = f"{row}.unit_id, {row}.channel, {row}.level, {row}.origin, {row}.assess_number"
    return f"""
  INSERT INTO {DAY} (day, {KEY}, count) VALUES ({row}.day, {vals}, {sign}{row}.count)
    ON CONFLICT (day, {KEY}) DO UPDATE SET count = count + excluded.count;
  INSERT INTO {MONTH} (month, {KEY}, count)
    VALUES (strftime('%Y-%m-01', {row}.day), {vals}, {sign}{row}.count)
    ON CONFLICT (month, {KEY}) DO UPDATE SET count = count + excluded.count;"""


def _sqlite_reason(row: str, sign: str) -> str:
    return f"""
  INSERT INTO {REASON} (day, unit_id, level, code, count)
    SELECT DISTINCT date({row}.assessed_at, '+8 hours'), {row}.unit_id, {row}.level, j.value, {sign}1
    FROM json_each({row}.option_codes) AS j WHERE {row}.assess_number = 1
    ON CONFLICT (day, unit_id, level, code) DO UPDATE SET count = count + excluded.count;"""


# No DELETE trigger on SQLite: the ratings app never deletes rollup rows (it decrements them),
# and Django's test flush deletes table by table there, which would leave negative counts
# behind in a summary table flushed earlier. (PostgreSQL flushes with TRUNCATE, which fires no
# row trigger, so its function keeps the DELETE branch.)
SQLITE_INSTALL = [
    f"CREATE TRIGGER results_rollup_ai AFTER INSERT ON {ROLLUP} BEGIN {_sqlite_add('NEW', '')} END;",
    f"CREATE TRIGGER results_rollup_au AFTER UPDATE ON {ROLLUP} BEGIN "
    f"{_sqlite_add('OLD', '-')} {_sqlite_add('NEW', '')} END;",
    f"CREATE TRIGGER results_reason_ai AFTER INSERT ON {RATING} WHEN NEW.validity = 'valid' "
    f"BEGIN {_sqlite_reason('NEW', '')} END;",
    f"CREATE TRIGGER results_reason_out AFTER UPDATE OF validity ON {RATING} "
    f"WHEN OLD.validity = 'valid' AND NEW.validity <> 'valid' BEGIN {_sqlite_reason('OLD', '-')} END;",
    f"CREATE TRIGGER results_reason_in AFTER UPDATE OF validity ON {RATING} "
    f"WHEN OLD.validity <> 'valid' AND NEW.validity = 'valid' BEGIN {_sqlite_reason('NEW', '')} END;",
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "results_rollup_ai",
        "results_rollup_au",
        "results_rollup_ad",
        "results_reason_ai",
        "results_reason_out",
        "results_reason_in",
    )
]


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNINSTALL)  # idempotent: replaces the row-level version
        schema_editor.execute(PG_INSTALL)
    elif vendor == "sqlite":
        for sql in SQLITE_INSTALL:
            schema_editor.execute(sql)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNINSTALL)
    elif vendor == "sqlite":
        for sql in SQLITE_UNINSTALL:
            schema_editor.execute(sql)


SQLITE_NAMES = {
    "results_rollup_ai",
    "results_rollup_au",
    "results_reason_ai",
    "results_reason_out",
    "results_reason_in",
}
PG_NAMES = {
    "results_rollup_ins",
    "results_rollup_upd",
    "results_rollup_del",
    "results_reason_ins",
    "results_reason_upd",
}


def ensure_installed(sender=None, *, using: str = "default", **kwargs) -> bool:
    """post_migrate: put the triggers back if a later migration lost them; True if it did.

    SQLite alters a column by rebuilding the table (new table, copy, drop, rename), and the old
    table's triggers go with it: a ratings migration that alters a Rating field drops the
    reason triggers on ``ratings_rating``. Runs only once the results triggers migration is
    applied."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    if (
        not MigrationRecorder(connection)
        .migration_qs.filter(app="results", name="0002_triggers")
        .exists()
    ):
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = SQLITE_NAMES
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = PG_NAMES
        present = {row[0] for row in cursor.fetchall()}
    if expected <= present:
        return False
    with connection.cursor() as cursor:
        # A cursor, not a schema editor: SQLite's refuses to run inside a transaction (tests).
        executor = SimpleNamespace(connection=connection, execute=cursor.execute)
        uninstall(executor)
        install(executor)
    return True
