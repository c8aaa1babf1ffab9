"""SQLite: drop the rollup DELETE trigger (see triggers.py: a test flush would leave negatives)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS results_rollup_ad;")


class Migration(migrations.Migration):
    dependencies = [("results", "0002_triggers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
