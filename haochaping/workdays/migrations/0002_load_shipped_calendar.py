"""Load the shipped official calendar (haochaping/workdays/data/*.csv) into a fresh database.

Later data files are loaded with ``haochaping workdays load-shipped`` (idempotent) or by the
admin page's import; this migration only seeds what the files hold when it runs.
"""

import datetime as dt
import uuid

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from haochaping.workdays.fileformat import KIND_ALIASES, read_shipped

    Entry = apps.get_model("workdays", "CalendarEntry")
    Audit = apps.get_model("workdays", "CalendarAudit")
    State = apps.get_model("workdays", "CalendarState")
    now = timezone.now()
    batch = uuid.uuid4().hex
    for raw in read_shipped():
        day = dt.date.fromisoformat(raw["date"])
        scope = raw.get("region", "")
        entry, created = Entry.objects.get_or_create(
            date=day, region_code=scope,
            defaults={"kind": KIND_ALIASES[raw["kind"]].value, "name": raw["name"], "source": raw["source"],
                      "created_at": now, "updated_at": now},
        )
        if created:
            Audit.objects.create(
                at=now, actor_label="migration", action="created", via="shipped", batch=batch,
                entry_id=entry.pk, date=day, region_code=scope, before=None,
                after={"date": raw["date"], "kind": entry.kind, "name": entry.name,
                       "source": entry.source, "region": scope},
            )
    State.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": now})


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
