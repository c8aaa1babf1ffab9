"""Writes of the results app: case-count refresh, summary rebuild, typical cases."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from haochaping.cases.enums import ApplyChannel
from haochaping.cases.models import Case
from haochaping.core.clock import LOCAL_TZ, now
from haochaping.core.exceptions import InvalidInput
from haochaping.ratings.enums import Validity
from haochaping.ratings.models import Rating
from haochaping.results.enums import TypicalKind
from haochaping.results.models import CaseDayCount, TypicalCase

# --- case counts ---------------------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ)


@transaction.atomic
def case_counts_refresh(*, start: dt.date, end: dt.date) -> int:
    """Recompute ``CaseDayCount`` for completion days ``[start, end)`` from cases and ratings.

    A case counts as rated when it has a valid first rating (either stage); citizen-rated when
    that rating is citizen-initiated (no staff entry, paper form or system default). Returns the
    number of rows written. Run daily over the last ``RATING_WINDOW_DAYS`` + a margin (the
    periodic job ``results-case-counts``), or over any range after a bulk import.
    """
    valid = Rating.objects.filter(case=OuterRef("pk"), validity=Validity.VALID, assess_number=1)
    citizen = valid.filter(is_system_default=False, is_paper=False, is_staff_entered=False)
    rows = (
        Case.objects.filter(completed_at__gte=_midnight(start), completed_at__lt=_midnight(end))
        .annotate(
            d=TruncDate("completed_at", tzinfo=LOCAL_TZ),
            is_rated=Exists(valid),
            is_citizen=Exists(citizen),
            is_online=Q(apply_channel__in=sorted(ApplyChannel.online_channels())),
        )
        .values("d", "unit_id", "is_online")
        .annotate(
            completed=Count("pk"),
            rated=Count("pk", filter=Q(is_rated=True)),
            citizen_rated=Count("pk", filter=Q(is_citizen=True)),
        )
        .order_by()
    )
    objs = [
        CaseDayCount(
            day=r["d"],
            unit_id=r["unit_id"],
            online=bool(r["is_online"]),
            completed=r["completed"],
            rated=r["rated"],
            citizen_rated=r["citizen_rated"],
        )
        for r in rows
    ]
    CaseDayCount.objects.filter(day__gte=start, day__lt=end).delete()
    CaseDayCount.objects.bulk_create(objs, batch_size=2000)
    return len(objs)


# --- rebuild of the trigger-kept summaries ------------------------------------------------------


@transaction.atomic
def summaries_rebuild(*, reasons: bool = True) -> dict[str, int]:
    """Recompute the per-unit day/month summaries and the reason counts from scratch.

    Set-based SQL; for recovery (e.g. after restoring a backup taken without the triggers) and
    for the benchmark, which loads the rollup with triggers disabled. Ratings are read only for
    reason codes of valid first ratings that have any.
    """
    from haochaping.results.triggers import DAY, MONTH, REASON, ROLLUP

    key = "unit_id, channel, level, origin, assess_number"
    vendor = connection.vendor
    month_expr = (
        "date_trunc('month', day)::date" if vendor == "postgresql" else "strftime('%Y-%m-01', day)"
    )
    with connection.cursor() as cur:
        for table in (DAY, MONTH, REASON) if reasons else (DAY, MONTH):
            cur.execute(f"DELETE FROM {table}")  # noqa: S608
        cur.execute(
            f"INSERT INTO {DAY} (day, {key}, count) SELECT day, {key}, SUM(count) "  # noqa: S608
            f"FROM {ROLLUP} GROUP BY day, {key} HAVING SUM(count) <> 0"
        )
        day_rows = cur.rowcount
        cur.execute(
            f"INSERT INTO {MONTH} (month, {key}, count) SELECT {month_expr}, {key}, SUM(count) "  # noqa: S608
            f"FROM {DAY} GROUP BY {month_expr}, {key} HAVING SUM(count) <> 0"
        )
        month_rows = cur.rowcount
        if not reasons:
            return {"day_rows": day_rows, "month_rows": month_rows, "reason_rows": 0}
        if vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {REASON} (day, unit_id, level, code, count) "  # noqa: S608
                "SELECT (assessed_at AT TIME ZONE 'Asia/Shanghai')::date, unit_id, level, c, COUNT(*) "
                "FROM ratings_rating, jsonb_array_elements_text(option_codes) AS c "
                "WHERE validity = 'valid' AND assess_number = 1 AND option_codes <> '[]'::jsonb "
                "GROUP BY 1, 2, 3, 4"
            )
        else:
            cur.execute(
                f"INSERT INTO {REASON} (day, unit_id, level, code, count) "  # noqa: S608
                "SELECT date(assessed_at, '+8 hours'), unit_id, level, j.value, COUNT(*) "
                "FROM ratings_rating, json_each(ratings_rating.option_codes) AS j "
                "WHERE validity = 'valid' AND assess_number = 1 "
                "GROUP BY 1, 2, 3, 4"
            )
        reason_rows = cur.rowcount
    return {"day_rows": day_rows, "month_rows": month_rows, "reason_rows": reason_rows}


# --- typical cases -------------------------------------------------------------------------------

# What must never appear in a published typical case: ID numbers (18 digits/X), mobile numbers,
# case numbers as our builders and the 好差评 platform write them.
_IDENTIFYING = [
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), _("The text contains an ID number.")),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), _("The text contains a mobile number.")),
    (re.compile(r"(?<!\d)\d{6}-\d{6,}"), _("The text contains a case number.")),
]


def _identifying_problems(*texts: str) -> list[str]:
    problems: list[str] = []
    for pattern, message in _IDENTIFYING:
        if any(pattern.search(t or "") for t in texts) and str(message) not in problems:
            problems.append(str(message))
    return problems


def typical_case_problems(
    *,
    kind: str,
    title: str,
    body: str,
    title_bo: str = "",
    body_bo: str = "",
    title_en: str = "",
    body_en: str = "",
) -> dict[str, list[str]]:
    """Field -> messages; empty when the typical case may be saved."""
    errors: dict[str, list[str]] = {}
    if kind not in TypicalKind.values:
        errors["kind"] = [str(_("Unknown kind of typical case."))]
    if not (title or "").strip():
        errors["title"] = [str(_("Give a title."))]
    if not (body or "").strip():
        errors["body"] = [str(_("Write the case."))]
    for name, texts in (
        ("body", (title, body)),
        ("body_bo", (title_bo, body_bo)),
        ("body_en", (title_en, body_en)),
    ):
        problems = _identifying_problems(*texts)
        if problems:
            errors.setdefault(name, []).extend(problems)
    return errors


@transaction.atomic
def typical_case_save(
    *,
    typical: TypicalCase | None = None,
    kind: TypicalKind | str,
    unit: Any,
    title: str,
    body: str,
    period: dt.date,
    title_bo: str = "",
    body_bo: str = "",
    title_en: str = "",
    body_en: str = "",
    published: bool = False,
    acting_user: Any = None,
) -> TypicalCase:
    """Create or update a typical case; refuses text that identifies the citizen."""
    errors = typical_case_problems(
        kind=kind,
        title=title,
        body=body,
        title_bo=title_bo,
        body_bo=body_bo,
        title_en=title_en,
        body_en=body_en,
    )
    if errors:
        raise InvalidInput(extra={"errors": errors})
    typical = typical or TypicalCase(
        created_by=acting_user if getattr(acting_user, "pk", None) else None
    )
    was_published = typical.published
    typical.kind = str(kind)
    typical.unit = unit
    typical.title, typical.body = title.strip(), body.strip()
    typical.title_bo, typical.body_bo = title_bo.strip(), body_bo.strip()
    typical.title_en, typical.body_en = title_en.strip(), body_en.strip()
    typical.period = period.replace(day=1)
    typical.published = published
    if published and not was_published:
        typical.published_at = now()
    if not published:
        typical.published_at = None
    typical.save()
    return typical
