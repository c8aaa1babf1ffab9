"""Triggers keeping the summary tables exact (see haochaping/results/triggers.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from haochaping.results.triggers import install

    install(schema_editor)


def backwards(apps, schema_editor):
    from haochaping.results.triggers import uninstall

    uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0001_initial"),
        ("ratings", "0002_load_content_versions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
