# The day summaries become monthly RANGE partitions on PostgreSQL (docs/partitioning.md); their
# unique keys start with ``day`` already, so the triggers' ON CONFLICT targets are unchanged.
# UnitMonthCount stays one table (a thirtieth of the day table's rows). SQLite: nothing.

from django.db import migrations


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from haochaping.ratings import partitions

    for spec in partitions.SUMMARIES:
        partitions.convert(connection, spec)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("results", "0005_origin_comment"),
        ("ratings", "0009_partition_by_month"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
