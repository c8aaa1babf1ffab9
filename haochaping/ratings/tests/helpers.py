"""Test helpers for ratings: completed cases and national-style records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from haochaping.core.clock import LOCAL_TZ, now
from haochaping.testing.builders import make_case


def completed_case(tree, *, days_ago: float = 1, **overrides: Any):
    done = now() - dt.timedelta(days=days_ago)
    fields = {"accepted_at": done - dt.timedelta(days=2), "completed_at": done}
    fields.update(overrides)
    return make_case(tree, **fields)


def wire_time(value: dt.datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def record(case, **overrides: Any) -> dict[str, Any]:
    body = {
        "projectNo": case.project_no,
        "taskCode": case.item.task_code,
        "pf": 4,
        "satisfaction": 5,
        "evalDetail": "510,517",
        "writingEvaluation": "办得很快",
        "assessTime": wire_time(now() - dt.timedelta(hours=1)),
        "assessNumber": 1,
        "userProp": "1",
        "userName": "卓玛",
        "mobile": "13900000000",
    }
    body.update(overrides)
    return body


def imported_ratings(cases, **fields: Any) -> list[int]:
    """Ratings of ``cases`` written as the importer's fast path writes them (one multi-row
    INSERT: no post_save, no per-rating hook), then ``ratings_imported`` sent for them in the
    same transaction, as the importer does after each chunk. Returns the ids."""
    from django.db import transaction

    from haochaping.ratings.enums import Level
    from haochaping.ratings.events import ratings_imported
    from haochaping.ratings.models import Rating
    from haochaping.ratings.selectors import content_version_current
    from haochaping.ratings.services import receipt_new

    version = content_version_current()
    at = now()
    with transaction.atomic():
        ratings = Rating.objects.bulk_create(
            Rating(
                case=case,
                unit_id=case.unit_id,
                item_id=case.item_id,
                window_id=case.window_id,
                staff_id=case.staff_id,
                **{
                    "level": Level.SATISFIED,
                    "channel": "1",
                    "assessed_at": at - dt.timedelta(minutes=5),
                    **fields,
                },
                content_version=version,
                received_at=at,
                receipt=receipt_new(),
            )
            for case in cases
        )
        ids = [r.pk for r in ratings]
        ratings_imported.send(sender=Rating, rating_ids=ids)
    return ids
