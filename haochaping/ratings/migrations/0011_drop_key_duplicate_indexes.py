# PostgreSQL: the partitioned ratings table drops its plain indexes on ``receipt`` and on
# ``idempotency_key``. They are what was left of the unique constraints when ratings became
# partitioned (0009): the key table ``ratings_ratingkey`` holds both as unique indexes, and every
# look-up by receipt or by idempotency key goes through it (``partitions.rating_locate``).
# Keeping them cost two index insertions per stored rating, about a fifth of the insert's time
# (docs/decisions.md, 2026-11-29). The (case, stage, number) index stays: a case's ratings are
# read through it. SQLite: nothing (its unique constraints are the rules themselves).
#
# Dropping an index of a partitioned table drops the partitions' indexes with it; it takes a
# short exclusive lock and scans nothing (CONCURRENTLY is not possible on a partitioned index).

from django.db import migrations

INDEXES = {
    "rating_receipt_unique_idx": "(receipt)",
    "rating_idempotency_key_unique_idx": "(idempotency_key) WHERE idempotency_key::text <> ''",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON ratings_rating {definition}")


class Migration(migrations.Migration):
    dependencies = [("ratings", "0010_dimension_keys_without_constraint")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
