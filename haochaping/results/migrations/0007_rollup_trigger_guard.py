"""PostgreSQL: the rollup's summary trigger functions return at once for an empty transition
table (the rollup upsert fires both its INSERT and its UPDATE trigger; one has no rows). Only
the functions are replaced; the triggers stay. SQLite: nothing (row-level triggers)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from haochaping.results.triggers import PG_ROLLUP_FUNCTIONS

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_ROLLUP_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("results", "0006_partition_by_month")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
