"""PostgreSQL: the summary triggers become statement-level over transition tables (see
haochaping/results/triggers.py); SQLite keeps its row-level triggers."""

from django.db import migrations


def forwards(apps, schema_editor):
    from haochaping.results.triggers import install

    if schema_editor.connection.vendor == "postgresql":
        install(schema_editor)  # drops the row-level objects, creates the statement-level ones


class Migration(migrations.Migration):
    dependencies = [("results", "0003_sqlite_no_delete_trigger")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
