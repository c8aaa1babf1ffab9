"""tibet_v1 mapping tables, and the adapter's output against the platform's own validation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haochaping.dataout.adapters import get_adapter
from haochaping.dataout.adapters import tibet_v1 as v1
from haochaping.dataout.enums import Topic
from haochaping.dataout.fakeplatform import validate
from haochaping.dataout.receivers import RECTIFICATION_RESULT_TYPES
from haochaping.ratings.enums import Channel, EvaluatorType, Level, Origin, Stage
from haochaping.rectification.enums import CallbackMethod, FixSatisfaction, Resolution, Status

SH = dt.timezone(dt.timedelta(hours=8))


def test_the_satisfaction_code_runs_from_very_dissatisfied_1_to_very_satisfied_5():
    assert v1.SATISFACTION == {
        "very_dissatisfied": 1,
        "dissatisfied": 2,
        "basic": 3,
        "satisfied": 4,
        "very_satisfied": 5,
    }


def test_every_internal_value_has_a_wire_code():
    assert set(v1.CHANNEL_PF) == set(Channel)
    assert sorted(v1.CHANNEL_PF.values()) == ["1", "2", "3", "4", "5", "6", "7"]
    assert set(v1.USER_PROP) == set(EvaluatorType)
    assert set(v1.APP_STATUS) == set(Stage)
    # dataSource is how a rating was entered (records' "entry", ratings.enums.entry_of): never
    # Origin.COMMENT, which a 综合点评 carries as its "origin".
    assert set(v1.DATA_SOURCE) == set(Origin) - {Origin.COMMENT}
    assert set(v1.RECTIFY_STATUS) == set(Status.values)
    assert set(v1.RECTIFY_EVENT) == RECTIFICATION_RESULT_TYPES
    assert set(v1.RECTIFY_RESULT) == {"", *Resolution.values}
    assert set(v1.VISIT_SATISFACTION) == {"", *FixSatisfaction.values}
    assert set(v1.VISIT_WAY) == {"", *CallbackMethod.values}


def rating_payload(**overrides):
    payload = {
        "receipt": "ABCDEFGH23",
        "project_no": "540100-00000001",
        "task_code": "T100-ID",
        "task_name": "居民身份证申领",
        "item_type": "20",
        "case_type": "2",
        "case_status": "completed",
        "accepted_at": "2026-10-12T02:00:00+00:00",
        "promised_at": None,
        "unit_credit_code": "115401000000010386",
        "unit_name": "拉萨市公安局",
        "region_code": "540100",
        "staff_name": "扎西顿珠",
        "level": "satisfied",
        "channel": "4",
        "stage": "completion",
        "assess_number": 1,
        "option_codes": [],
        "text": "",
        "other_text": "",
        "assessed_at": "2026-10-12T03:04:05+00:00",
        "evaluator_type": "1",
        "evaluator_name": "卓玛",
        "evaluator_cert_no": "",
        "evaluator_mobile": "13912345678",
        "is_anonymous": False,
        "is_public": True,
        "origin": "citizen",
    }
    payload.update(overrides)
    return payload


def test_times_are_beijing_wall_clock_in_the_national_format():
    body = (
        get_adapter("tibet_v1")
        .build(topic=Topic.RATING, record_id="R-1", payload=rating_payload())
        .body
    )
    assert body["assessTime"] == "2026-10-12 11:04:05"
    assert body["acceptDate"] == "2026-10-12 10:00:00"
    assert body["promiseTime"] == ""


@settings(max_examples=150, deadline=None)
@given(
    level=st.sampled_from(list(Level)),
    channel=st.sampled_from(list(Channel)),
    stage=st.sampled_from(list(Stage)),
    evaluator=st.sampled_from(list(EvaluatorType)),
    origin=st.sampled_from([o for o in Origin if o != Origin.COMMENT]),  # never on the wire
    n_codes=st.integers(0, 8),
    text=st.text(max_size=700),
    public=st.booleans(),
    number=st.sampled_from([1, 2]),
)
def test_every_rating_the_adapter_builds_passes_the_platforms_validation(
    level, channel, stage, evaluator, origin, n_codes, text, public, number
):
    digit = v1.SATISFACTION[level.value]
    payload = rating_payload(
        level=level.value,
        channel=channel.value,
        stage=stage.value,
        evaluator_type=evaluator.value,
        origin=origin.value,
        option_codes=[f"{digit}{10 + i:02d}" for i in range(n_codes)],
        text=text,
        other_text=text,
        is_public=public,
        assess_number=number,
    )
    request = get_adapter("tibet_v1").build(
        topic=Topic.RATING, record_id="R-ABCDEFGH23", payload=payload
    )
    assert request.path == "/api/tibet/v1/evaluations"
    assert validate("evaluations", request.body) == {}
    assert request.body["satisfaction"] == digit


@pytest.mark.parametrize("event_type", sorted(RECTIFICATION_RESULT_TYPES))
@pytest.mark.parametrize("status", Status.values)
def test_every_rectification_result_passes_the_platforms_validation(event_type, status):
    callback = event_type == "rectification.callback_recorded"
    payload = {
        "event_id": 7,
        "event_type": event_type,
        "rectification_id": 3,
        "receipt": "ABCDEFGH23",
        "project_no": "540100-00000001",
        "unit_credit_code": "115401000000010386",
        "region_code": "540100",
        "from_status": "new",
        "status": status,
        "resolution": "rectified",
        "is_complex": False,
        "fix_satisfaction": "",
        "callback_method": "sms" if callback else "",
        "callback_outcome": "unreachable" if callback else "",
        "callback_satisfaction": "",
        "note": "已整改",
        "occurred_at": "2026-10-13T01:00:00+00:00",
        "opened_at": "2026-10-12T03:00:00+00:00",
        "contacted_at": "2026-10-12T04:00:00+00:00",
        "feedback_at": None,
        "closed_at": None,
        "contact_overdue": False,
        "feedback_overdue": True,
        "close_overdue": False,
    }
    body = get_adapter().build(topic=Topic.RECTIFICATION, record_id="C-7", payload=payload).body
    assert validate("rectifications", body) == {}
    assert (body["evalRecordId"], body["overdueFlag"], body["handleTime"]) == (
        "R-ABCDEFGH23",
        "1",
        "2026-10-13 09:00:00",
    )


def test_an_unknown_adapter_name_is_refused():
    with pytest.raises(ImportError):
        get_adapter("guangdong_v9")
