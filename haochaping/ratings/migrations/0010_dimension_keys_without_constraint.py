# A rating's unit, service item, window, staff member, content version and source client stop
# being foreign keys in the database (they stay ForeignKey fields in Django, with their
# on_delete): PostgreSQL checked each of them once per inserted row at commit, about a fifth of
# a bulk import's database time, for references that are copied from the case or looked up by
# code when the rating is stored (docs/decisions.md, 2026-11-29). ``case`` keeps its constraint.
#
# PostgreSQL only: dropping a constraint takes a short exclusive lock and scans nothing (on the
# partitioned table it drops the partitions' copies too). SQLite keeps its table as it is: an
# AlterField there rebuilds the table, which would lose the summary triggers on it, and its
# per-row checks cost little.

import django.db.models.deletion
from django.db import migrations, models

FIELDS = ("unit", "item", "window", "staff", "content_version", "source_client")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    rating = apps.get_model("ratings", "Rating")
    for name in FIELDS:
        column = rating._meta.get_field(name).column
        for constraint in schema_editor._constraint_names(rating, [column], foreign_key=True):
            schema_editor.execute(schema_editor._delete_fk_sql(rating, constraint))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    rating = apps.get_model("ratings", "Rating")  # the state before: constraints on
    for name in FIELDS:
        field = rating._meta.get_field(name)
        schema_editor.execute(
            schema_editor._create_fk_sql(rating, field, "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0009_partition_by_month"),
        ("catalog", "0001_initial"),
        ("integration", "0001_initial"),
        ("org", "0002_encrypt_citizen_identifiers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="rating",
                    name="content_version",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ratings.contentversion",
                        verbose_name="content version",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="item",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.serviceitem",
                        verbose_name="service item",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="source_client",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="integration.integrationclient",
                        verbose_name="submitted by client",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="staff",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="org.staff",
                        verbose_name="staff member",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="unit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.unit",
                        verbose_name="rated unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="window",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="org.window",
                        verbose_name="window",
                    ),
                ),
            ],
        ),
    ]
