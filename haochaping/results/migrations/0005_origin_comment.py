# The summaries' origin gains "comment" (综合点评, ratings without a case); choices only.

from django.db import migrations, models

ORIGIN_CHOICES = [
    ("citizen", "Citizen"),
    ("staff", "Entered by staff"),
    ("paper", "Paper form keyed in"),
    ("default", "System default"),
    ("comment", "Society's comment (no case)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0004_statement_level_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name=model,
            name="origin",
            field=models.CharField(choices=ORIGIN_CHOICES, max_length=8),
        )
        for model in ("unitdaycount", "unitmonthcount")
    ]
