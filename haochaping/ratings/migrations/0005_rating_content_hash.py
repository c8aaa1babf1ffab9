# The audit sealer's content hash of each rating (haochaping/audit, docs/security.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0004_encrypt_citizen_identifiers"),
    ]

    operations = [
        migrations.AddField(
            model_name="rating",
            name="content_hash",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="content hash"
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("content_hash", "")), fields=["id"], name="rating_unsealed_idx"
            ),
        ),
    ]
