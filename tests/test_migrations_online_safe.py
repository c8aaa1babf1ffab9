"""Every migration is online-safe on the big tables (rules in docs/partitioning.md).

``sqlmigrate`` gives each project migration's SQL on PostgreSQL; a statement that would hold a
heavy lock on a big table for as long as it scans or rewrites it fails the test, unless the
migration is on the allow-list below (it ran before the rule, on empty tables). Statements on a
table the same migration creates are fine (the table is new, hence empty). RunPython operations
are not inspected here: the partitioning migrations are written online-safe by hand.
"""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the rules are about PostgreSQL locks"
)

BIG_TABLES = {
    "ratings_rating",
    "ratings_ratingrollup",
    "ratings_ratingevent",
    "results_unitdaycount",
    "results_unitmonthcount",
    "results_reasondaycount",
    "results_casedaycount",
    "cases_case",
    "audit_auditrecord",
}

# Migrations written before the rule, applied while these tables were empty (development and
# the first installs); the reason for each. Never add a new migration here: write it online-safe.
ALLOWED = {
    ("cases", "0002_encrypt_citizen_identifiers"): (
        "widens two varchar columns for ciphertext (no rewrite on PostgreSQL, but an exclusive "
        "lock); ran before production data"
    ),
    ("ratings", "0003_lean_rating_indexes"): (
        "re-creates the rating foreign keys and the receipt constraint; ran on empty tables"
    ),
    ("ratings", "0004_encrypt_citizen_identifiers"): (
        "widens two varchar columns for ciphertext; ran before production data"
    ),
    ("ratings", "0005_rating_content_hash"): (
        "the unsealed-rating partial index; ran on empty tables"
    ),
}

# (rule, pattern over one statement, what to do instead)
RULES = [
    (
        "index without CONCURRENTLY",
        re.compile(r'^CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)[^ ]+ ON "?(?P<table>\w+)"?', re.I),
        "AddIndexConcurrently in a migration with atomic = False",
    ),
    (
        "unique constraint (builds its index under an exclusive lock)",
        re.compile(
            r'^ALTER TABLE "?(?P<table>\w+)"? ADD CONSTRAINT \S+ UNIQUE \((?!.*USING INDEX)', re.I
        ),
        "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX",
    ),
    (
        "foreign key or CHECK without NOT VALID",
        re.compile(
            r'^ALTER TABLE "?(?P<table>\w+)"? ADD CONSTRAINT \S+ (FOREIGN KEY|CHECK)(?!.*NOT VALID)',
            re.I,
        ),
        "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
    ),
    (
        "SET NOT NULL (scans the table under an exclusive lock)",
        re.compile(r'^ALTER TABLE "?(?P<table>\w+)"? ALTER COLUMN \S+ SET NOT NULL', re.I),
        "a validated CHECK (col IS NOT NULL) NOT VALID constraint first",
    ),
    (
        "column type change (rewrites the table)",
        re.compile(r'^ALTER TABLE "?(?P<table>\w+)"? ALTER COLUMN \S+ TYPE', re.I),
        "expand/contract: a new column, backfill in batches, switch, drop the old one",
    ),
    (
        "column with a volatile default (rewrites the table)",
        re.compile(r'^ALTER TABLE "?(?P<table>\w+)"? ADD COLUMN .* DEFAULT [^,;]*\w+\(', re.I),
        "add the column without a default (or a constant one), backfill in batches",
    ),
]


def statements(sql: str) -> list[str]:
    """The statements of ``sqlmigrate`` output, one line each, comments dropped."""
    text = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def violations(sql: str) -> list[str]:
    found = []
    parts = statements(sql)
    created = {m.group(1) for s in parts if (m := re.match(r'^CREATE TABLE "?(\w+)"?', s, re.I))}
    for statement in parts:
        for rule, pattern, instead in RULES:
            match = pattern.search(statement)
            if not match:
                continue
            table = match.group("table")
            if table in BIG_TABLES and table not in created:
                found.append(f"{rule} on {table}: {statement[:160]} -> {instead}")
    return found


def project_migrations() -> list[tuple[str, str]]:
    labels = {
        config.label for config in apps.get_app_configs() if config.name.startswith("haochaping.")
    }
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(key for key in loader.disk_migrations if key[0] in labels)


def test_the_checker_catches_each_lock_heavy_statement():
    bad = [
        'CREATE INDEX "x" ON "ratings_rating" ("unit_id");',
        'CREATE UNIQUE INDEX "x" ON "cases_case" ("project_no");',
        'ALTER TABLE "ratings_rating" ADD CONSTRAINT "x" UNIQUE ("receipt");',
        'ALTER TABLE "audit_auditrecord" ADD CONSTRAINT "x" FOREIGN KEY ("a") REFERENCES "b" ("id");',
        'ALTER TABLE "ratings_ratingrollup" ADD CONSTRAINT "x" CHECK ("count" >= 0);',
        'ALTER TABLE "ratings_rating" ALTER COLUMN "text" SET NOT NULL;',
        'ALTER TABLE "ratings_rating" ALTER COLUMN "text" TYPE varchar(2000);',
        'ALTER TABLE "cases_case" ADD COLUMN "seen" timestamptz DEFAULT now() NOT NULL;',
    ]
    for statement in bad:
        assert violations(statement), statement
    fine = [
        'CREATE INDEX CONCURRENTLY "x" ON "ratings_rating" ("unit_id");',
        'ALTER TABLE "ratings_rating" ADD CONSTRAINT "x" CHECK ("a" > 0) NOT VALID;',
        'ALTER TABLE "ratings_rating" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;',
        'CREATE INDEX "x" ON "org_unit" ("name");',  # not a big table
        'CREATE TABLE "cases_case" ("id" bigint); CREATE INDEX "y" ON "cases_case" ("id");',
    ]
    for statement in fine:
        assert not violations(statement), statement


def test_every_migration_is_online_safe(db):
    problems = []
    seen_allowed = set()
    for app_label, name in project_migrations():
        out = io.StringIO()
        call_command("sqlmigrate", app_label, name, stdout=out)
        found = violations(out.getvalue())
        if (app_label, name) in ALLOWED:
            if found:  # an entry that no longer breaks a rule must leave the list
                seen_allowed.add((app_label, name))
            continue
        problems += [f"{app_label}.{name}: {v}" for v in found]
    assert not problems, "\n".join(problems)
    # the allow-list names only real migrations that need it
    assert seen_allowed == set(ALLOWED)
