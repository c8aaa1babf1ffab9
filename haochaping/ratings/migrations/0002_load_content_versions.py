from django.db import migrations


def load(apps, schema_editor):
    from haochaping.ratings.content import install_all

    install_all(
        ContentVersion=apps.get_model("ratings", "ContentVersion"),
        Indicator=apps.get_model("ratings", "Indicator"),
        ReasonOption=apps.get_model("ratings", "ReasonOption"),
    )


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
