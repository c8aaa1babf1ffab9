# 综合点评 (society's comments) are counted apart: a rating without a case gets origin "comment".
# Existing case-less ratings were counted under their flags' origin (paper, staff, citizen): move
# their rollup counts to "comment", then rebuild the per-unit summaries of the results app.

from collections import Counter
from zoneinfo import ZoneInfo

from django.db import migrations, models

ORIGIN_CHOICES = [
    ("citizen", "Citizen"),
    ("staff", "Entered by staff"),
    ("paper", "Paper form keyed in"),
    ("default", "System default"),
    ("comment", "Society's comment (no case)"),
]
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def _flags_origin(r) -> str:
    if r.is_system_default:
        return "default"
    if r.is_paper:
        return "paper"
    if r.is_staff_entered:
        return "staff"
    return "citizen"


def comment_origin(apps, schema_editor):
    Rating = apps.get_model("ratings", "Rating")
    RatingRollup = apps.get_model("ratings", "RatingRollup")
    moves: Counter = Counter()
    for r in (
        Rating.objects.filter(case__isnull=True, validity="valid")
        .only(
            "assessed_at",
            "unit_id",
            "item_id",
            "window_id",
            "staff_id",
            "channel",
            "level",
            "is_system_default",
            "is_paper",
            "is_staff_entered",
            "assess_number",
        )
        .iterator()
    ):
        key = (
            r.assessed_at.astimezone(LOCAL_TZ).date(),
            r.unit_id,
            r.item_id or 0,
            r.window_id or 0,
            r.staff_id or 0,
            r.channel,
            r.level,
            r.assess_number,
        )
        moves[(key, _flags_origin(r))] += 1
    if not moves:
        return
    names = (
        "day",
        "unit_id",
        "item_key",
        "window_key",
        "staff_key",
        "channel",
        "level",
        "assess_number",
    )
    for (key, old), n in moves.items():
        fields = dict(zip(names, key, strict=True))
        RatingRollup.objects.filter(**fields, origin=old).update(count=models.F("count") - n)
        row, created = RatingRollup.objects.get_or_create(
            **fields, origin="comment", defaults={"count": n}
        )
        if not created:
            RatingRollup.objects.filter(pk=row.pk).update(count=models.F("count") + n)
    # The summaries follow the rollup through the results triggers; rebuild them anyway so they
    # are exact whatever triggers this database had when the counts moved.
    from haochaping.results.services import summaries_rebuild

    summaries_rebuild(reasons=False)


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0005_rating_content_hash"),
        ("results", "0003_sqlite_no_delete_trigger"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ratingrollup",
            name="origin",
            field=models.CharField(choices=ORIGIN_CHOICES, default="citizen", max_length=8),
        ),
        migrations.RunPython(comment_origin, migrations.RunPython.noop),
    ]
