# The audit sealer's hash of a rating's evaluator identity (haochaping/audit, docs/security.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0006_origin_comment"),
    ]

    operations = [
        migrations.AddField(
            model_name="rating",
            name="identity_hash",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="identity hash"
            ),
        ),
    ]
