"""Tibet regional 好差评 platform, interface version 1 (national-style record, DOMAIN.md §8).

Endpoints (relative to ``PLATFORM_URL``), JSON bodies, signed (see transport.py):

- ``POST /api/tibet/v1/evaluations``: one rating (§8 fields plus ``recordId``, ``sourceSystem``)
- ``POST /api/tibet/v1/rectifications``: one rectification result (contact, fix, feedback,
  callback satisfaction, close ...), linked to its rating by ``evalRecordId``
- ``POST /api/tibet/v1/evaluation-invalidations``: a rating not adopted after an appeal
- ``GET /api/tibet/v1/reconciliation?type=&date=`` -> ``{"count", "hash"}`` (``&records=1`` adds
  ``"records": [{"recordId", "hash"}]``)

Answers: 200 ``{"code": "0", "msg": "accepted" | "duplicate", "recordId": ...}``; 422
``{"code": "E_VALIDATION", "errors": {field: [...]}}``; 401 bad signature; 5xx / 429 try later.
The platform dedupes on ``recordId`` and files a record under the day of its business time
(``assessTime`` / ``handleTime`` / ``invalidTime``, Beijing time).

Every code goes through a mapping table below; the satisfaction direction (1 = 非常不满意 …
5 = 非常满意) and the wire time format come from the ratings app (``enums.level_to_hcp``,
``wire.format_wire_time``), so there is one mapping of each in the project.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haochaping.core import crypto
from haochaping.dataout.adapters.base import (
    DaySummary,
    PlatformAdapter,
    SendResult,
    WireRequest,
    day_hash,
)
from haochaping.dataout.adapters.transport import Transport, TransportError
from haochaping.dataout.enums import AttemptOutcome, Topic
from haochaping.ratings.enums import Channel, EvaluatorType, Level, Origin, Stage, level_to_hcp
from haochaping.ratings.wire import format_wire_time

PREFIX = "/api/tibet/v1"
TOPIC_PATHS = {
    Topic.RATING: "evaluations",
    Topic.RECTIFICATION: "rectifications",
    Topic.RATING_EXCLUDED: "evaluation-invalidations",
}

# --- mapping tables: internal value -> wire code --------------------------------------------
SATISFACTION = {level.value: level_to_hcp(level) for level in Level}  # 1 非常不满意 … 5 非常满意
CHANNEL_PF = {  # pf: GB/T 39046 channel order (DOMAIN.md §4)
    Channel.PC: "1",
    Channel.MOBILE: "2",
    Channel.QR_CODE: "3",
    Channel.EVALUATOR: "4",
    Channel.KIOSK: "5",
    Channel.PHONE: "6",
    Channel.SMS: "7",
}
USER_PROP = {EvaluatorType.PERSON: "1", EvaluatorType.LEGAL_PERSON: "2", EvaluatorType.OTHER: "9"}
APP_STATUS = {Stage.ACCEPTANCE: "1", Stage.COMPLETION: "2"}  # the case stage when rated
DATA_SOURCE = {  # who produced the rating: only "1" counts as 主动评价
    Origin.CITIZEN: "1",
    Origin.STAFF_ENTERED: "2",
    Origin.PAPER: "3",
    Origin.SYSTEM_DEFAULT: "4",
}
PRO_STATUS = {"accepted": "1", "completed": "2", "rejected": "3", "withdrawn": "4", "": ""}
RECTIFY_EVENT = {
    "rectification.contacted": "01",
    "rectification.fixed_at_once": "02",
    "rectification.explained": "03",
    "rectification.feedback_given": "04",
    "rectification.callback_recorded": "05",
    "rectification.closed": "06",
    "rectification.reopened": "07",
    "rectification.escalated": "08",
    "rectification.supervision_closed": "09",
    "rectification.withdrawn": "10",
}
RECTIFY_STATUS = {
    "new": "1",
    "contacted": "2",
    "rectifying": "3",
    "feedback_given": "4",
    "awaiting_callback": "5",
    "reopened": "6",
    "escalated": "7",
    "closed": "8",
    "withdrawn": "9",
}
RECTIFY_RESULT = {"": "", "fixed_at_once": "1", "rectified": "2", "explained": "3"}
# Satisfaction with the fix, same direction as ``satisfaction``: 3 满意, 2 基本满意, 1 不满意.
VISIT_SATISFACTION = {"": "", "satisfied": "3", "basic": "2", "unsatisfied": "1"}
VISIT_WAY = {"": "", "phone": "1", "sms": "2", "online": "3"}
VISIT_RESULT = {"": "", "reached": "1", "unreachable": "2", "no_contact": "3"}

TEXT_MAX = 500


def _time(value: str | None) -> str:
    return format_wire_time(dt.datetime.fromisoformat(value)) if value else ""


class TibetV1Adapter(PlatformAdapter):
    name = "tibet_v1"
    version = "1"

    def build(self, *, topic: str, record_id: str, payload: dict[str, Any]) -> WireRequest:
        builder = {
            Topic.RATING: self._evaluation,
            Topic.RECTIFICATION: self._rectification,
            Topic.RATING_EXCLUDED: self._invalidation,
        }[Topic(topic)]
        body = {"recordId": record_id, "sourceSystem": self.source_system, **builder(payload)}
        return WireRequest(path=f"{PREFIX}/{TOPIC_PATHS[Topic(topic)]}", body=body)

    def _evaluation(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "projectNo": p["project_no"],
            "taskCode": p["task_code"],
            "taskHandleItem": p["task_code"],
            "taskName": p["task_name"][:TEXT_MAX],
            "subMatter": "",
            "areaCode": p["region_code"],
            "deptCode": p["unit_credit_code"],
            "proDepart": p["unit_name"],
            "proManager": p["staff_name"],
            "proStatus": PRO_STATUS[p["case_status"]],
            "pf": CHANNEL_PF[Channel(p["channel"])],
            "userProp": USER_PROP[EvaluatorType(p["evaluator_type"])],
            "userName": p["evaluator_name"],
            "certKey": crypto.decrypt(p["evaluator_cert_no"]),
            "mobile": crypto.decrypt(p["evaluator_mobile"]),
            "satisfaction": SATISFACTION[p["level"]],
            "evalDetail": ",".join(p["option_codes"]),
            "writingEvaluation": p["text"][:TEXT_MAX],
            "otherEvaluation": p["other_text"][:TEXT_MAX],
            "assessTime": _time(p["assessed_at"]),
            "assessNumber": int(p["assess_number"]),
            "appStatus": APP_STATUS[Stage(p["stage"])],
            "publicFlag": "1" if p["is_public"] else "0",
            "acceptDate": _time(p["accepted_at"]),
            "promiseTime": _time(p["promised_at"]),
            # Who produced it; a 综合点评's origin is "comment", its entry says how it came in.
            "dataSource": DATA_SOURCE[Origin(p.get("entry", p["origin"]))],
        }

    def _rectification(self, p: dict[str, Any]) -> dict[str, Any]:
        overdue = p["contact_overdue"] or p["feedback_overdue"] or p["close_overdue"]
        return {
            "projectNo": p["project_no"],
            "evalRecordId": f"R-{p['receipt']}",
            "areaCode": p["region_code"],
            "deptCode": p["unit_credit_code"],
            "rectifyEvent": RECTIFY_EVENT[p["event_type"]],
            "rectifyStatus": RECTIFY_STATUS[p["status"]],
            "rectifyResult": RECTIFY_RESULT[p["resolution"]],
            "visitWay": VISIT_WAY[p["callback_method"]],
            "visitResult": VISIT_RESULT[p["callback_outcome"]],
            "visitSatisfaction": VISIT_SATISFACTION[p["callback_satisfaction"]],
            "handleTime": _time(p["occurred_at"]),
            "handleOpinion": p["note"][:TEXT_MAX],
            "contactTime": _time(p["contacted_at"]),
            "feedbackTime": _time(p["feedback_at"]),
            "closeTime": _time(p["closed_at"]),
            "overdueFlag": "1" if overdue else "0",
        }

    def _invalidation(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "projectNo": p["project_no"],
            "evalRecordId": f"R-{p['receipt']}",
            "areaCode": p["region_code"],
            "deptCode": p["unit_credit_code"],
            "invalidReason": p["reason"][:TEXT_MAX],
            "invalidTime": _time(p["excluded_at"]),
        }

    # --- answers ----------------------------------------------------------------------------
    def send(self, transport: Transport, request: WireRequest, *, record_id: str) -> SendResult:
        try:
            reply = transport.request("POST", request.path, body=request.encoded())
        except TransportError as exc:
            return SendResult(AttemptOutcome.RETRY, error=str(exc))
        data = reply.json()
        if reply.status == 200:
            if not isinstance(data, dict) or data.get("recordId") != record_id:
                # Not the answer to this request (a platform or proxy that answered twice):
                # the connection cannot be trusted; the retry is harmless (dedup by recordId).
                transport.reset()
                return SendResult(
                    AttemptOutcome.RETRY,
                    http_status=200,
                    error="answer does not match the request: "
                    + reply.body[:200].decode("utf-8", "replace"),
                )
            msg = str(data.get("msg", ""))
            outcome = AttemptOutcome.DUPLICATE if msg == "duplicate" else AttemptOutcome.DELIVERED
            return SendResult(outcome, http_status=200, reply=msg[:40])
        error = reply.body[:1000].decode("utf-8", "replace")
        if reply.status in (400, 422):
            return SendResult(AttemptOutcome.REJECTED, http_status=reply.status, error=error)
        return SendResult(AttemptOutcome.RETRY, http_status=reply.status, error=error)

    def platform_day(
        self, transport: Transport, *, topic: str, day: str, with_records: bool
    ) -> DaySummary:
        query = {"type": TOPIC_PATHS[Topic(topic)], "date": day}
        if with_records:
            query["records"] = "1"
        reply = transport.request("GET", f"{PREFIX}/reconciliation", query=query)
        data = reply.json()
        if reply.status != 200 or not isinstance(data, dict):
            raise TransportError(f"reconciliation query failed: HTTP {reply.status}")
        records = {r["recordId"]: r["hash"] for r in data.get("records", [])}
        if with_records and day_hash(records) != data["hash"]:
            raise TransportError("the platform's record list does not match its own day hash")
        return DaySummary(count=int(data["count"]), hash=str(data["hash"]), records=records)
