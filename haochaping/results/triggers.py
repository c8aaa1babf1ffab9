# ruff: noqa: S608 -- the SQL is built from module constants only, never from input
"""Database triggers that keep the summary tables exact (installed by migration 0002).

Both PostgreSQL and SQLite: every change of a ``ratings_ratingrollup`` row (insert, the upsert's
update, a decrement on exclusion, a delete) adds its difference to ``results_unitdaycount`` and
``results_unitmonthcount``; every insert of a valid first rating, and every change of a rating's
validity, adds or takes away its reason codes in ``results_reasondaycount``. The triggers run in
the writer's transaction, so a rolled-back rating leaves no count behind.

Day boundaries are local (Asia/Shanghai, UTC+8 all year): the rollup's ``day`` is already local;
for reason codes PostgreSQL converts with ``AT TIME ZONE`` and SQLite (which stores UTC text)
adds eight hours.
"""

from __future__ import annotations

ROLLUP = "ratings_ratingrollup"
RATING = "ratings_rating"
DAY = "results_unitdaycount"
MONTH = "results_unitmonthcount"
REASON = "results_reasondaycount"
KEY = "unit_id, channel, level, origin, assess_number"

# --- PostgreSQL ---------------------------------------------------------------------------------

PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION results_add_count(d date, u bigint, ch varchar, lv varchar, orig varchar,
                                             an smallint, n integer) RETURNS void AS $$
BEGIN
  IF n = 0 THEN RETURN; END IF;
  INSERT INTO {DAY} (day, {KEY}, count) VALUES (d, u, ch, lv, orig, an, n)
    ON CONFLICT (day, {KEY}) DO UPDATE SET count = {DAY}.count + EXCLUDED.count;
  INSERT INTO {MONTH} (month, {KEY}, count)
    VALUES (date_trunc('month', d)::date, u, ch, lv, orig, an, n)
    ON CONFLICT (month, {KEY}) DO UPDATE SET count = {MONTH}.count + EXCLUDED.count;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION results_rollup_sync() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.day = NEW.day AND OLD.unit_id = NEW.unit_id
     AND OLD.channel = NEW.channel AND OLD.level = NEW.level AND OLD.origin = NEW.origin
     AND OLD.assess_number = NEW.assess_number THEN
    PERFORM results_add_count(NEW.day, NEW.unit_id, NEW.channel, NEW.level, NEW.origin,
                              NEW.assess_number::smallint, NEW.count - OLD.count);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM results_add_count(OLD.day, OLD.unit_id, OLD.channel, OLD.level, OLD.origin,
                              OLD.assess_number::smallint, -OLD.count);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM results_add_count(NEW.day, NEW.unit_id, NEW.channel, NEW.level, NEW.origin,
                              NEW.assess_number::smallint, NEW.count);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER results_rollup_sync AFTER INSERT OR UPDATE OR DELETE ON {ROLLUP}
  FOR EACH ROW EXECUTE FUNCTION results_rollup_sync();

CREATE OR REPLACE FUNCTION results_reason_add(r {RATING}, n integer) RETURNS void AS $$
BEGIN
  IF r.assess_number <> 1 OR jsonb_typeof(r.option_codes) <> 'array' THEN RETURN; END IF;
  INSERT INTO {REASON} (day, unit_id, level, code, count)
    SELECT DISTINCT (r.assessed_at AT TIME ZONE 'Asia/Shanghai')::date, r.unit_id, r.level, c, n
    FROM jsonb_array_elements_text(r.option_codes) AS c
    ON CONFLICT (day, unit_id, level, code) DO UPDATE SET count = {REASON}.count + EXCLUDED.count;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION results_reason_sync() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.validity = 'valid' THEN PERFORM results_reason_add(NEW, 1); END IF;
  ELSIF OLD.validity IS DISTINCT FROM NEW.validity THEN
    IF OLD.validity = 'valid' THEN PERFORM results_reason_add(OLD, -1); END IF;
    IF NEW.validity = 'valid' THEN PERFORM results_reason_add(NEW, 1); END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER results_reason_sync AFTER INSERT OR UPDATE OF validity ON {RATING}
  FOR EACH ROW EXECUTE FUNCTION results_reason_sync();
"""

PG_UNINSTALL = f"""
DROP TRIGGER IF EXISTS results_rollup_sync ON {ROLLUP};
DROP TRIGGER IF EXISTS results_reason_sync ON {RATING};
DROP FUNCTION IF EXISTS results_rollup_sync();
DROP FUNCTION IF EXISTS results_reason_sync();
DROP FUNCTION IF EXISTS results_reason_add({RATING}, integer);
DROP FUNCTION IF EXISTS results_add_count(date, bigint, varchar, varchar, varchar, smallint, integer);
"""

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
