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
