# Ratings and the rollup become monthly RANGE partitions on PostgreSQL (docs/partitioning.md);
# SQLite keeps its tables. Online-safe on a filled table: indexes are built CONCURRENTLY and the
# range CHECK is validated before one short swap transaction (haochaping/ratings/partitions.py).

import django.db.models.deletion
from django.db import migrations, models


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from haochaping.ratings import partitions

    partitions.convert(connection, partitions.RATING)
    partitions.convert(connection, partitions.ROLLUP)
    partitions.key_table_install(connection)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY and VALIDATE CONSTRAINT run outside a transaction; the swap
    # itself is one transaction of its own.
    atomic = False

    dependencies = [
        ("ratings", "0008_hash_columns_db_default"),
        ("results", "0005_origin_comment"),
        # every table with a foreign key to ratings has dropped its database constraint
        ("appeals", "0002_rating_fk_no_db_constraint"),
        ("channels", "0002_rating_fk_no_db_constraint"),
        ("coverage", "0003_rating_fk_no_db_constraint"),
        ("integrity", "0003_rating_fk_no_db_constraint"),
        ("rectification", "0002_rating_fk_no_db_constraint"),
    ]

    operations = [
        # PostgreSQL cannot enforce a foreign key to a partitioned table whose primary key is
        # (id, received_at); Django still cascades the timeline rows in Python.
        migrations.AlterField(
            model_name="ratingevent",
            name="rating",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="ratings.rating",
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop, elidable=False),
    ]
