"""API schemas of /api/v1/rectifications/ (camelCase like the rest of the wire API)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class VersionIn(Schema):
    version: int | None = Field(
        None, description="The version you read; a different current version answers 409 conflict."
    )


class NoteIn(VersionIn):
    note: str = Field("", description="What was done (required for most actions).")


class StartIn(NoteIn):
    complex: bool = Field(False, description="Complex: 15 working days instead of 5.")
    complexReason: str = Field("", description="Required when complex.")


class MarkComplexIn(VersionIn):
    reason: str


class CallbackIn(NoteIn):
    method: str = Field(..., description="phone, sms or online.")
    outcome: str = Field(..., description="reached, unreachable or no_contact.")
    satisfaction: str = Field("", description="satisfied, basic or unsatisfied (when reached).")
    afterUnsatisfied: str = Field("", description="reopen or escalate (when unsatisfied).")


class TextIn(Schema):
    note: str


class ReasonIn(Schema):
    reason: str


class ResumeIn(Schema):
    note: str = ""


class ClockOut(Schema):
    startedAt: str | None
    days: int
    dueAt: str | None
    doneAt: str | None
    overdue: bool


class RunningClockOut(Schema):
    clock: str
    dueAt: str | None
    remainingWorkdays: int | None
    state: str


class UnitRefOut(Schema):
    id: int
    name: str
    deptCode: str


class RatingRefOut(Schema):
    receipt: str
    level: str
    levelLabel: str
    options: list[str]
    text: str
    channel: str
    assessedAt: str | None
    anonymous: bool


class ContactOut(Schema):
    name: str
    mobile: str
    masked: bool


class RectificationOut(Schema):
    id: int
    label: str
    projectNo: str | None
    status: str
    statusLabel: str
    resolution: str
    unit: UnitRefOut
    handler: str | None
    isComplex: bool
    complexReason: str
    realName: bool
    openedAt: str | None
    contact: ClockOut
    feedback: ClockOut
    close: ClockOut
    running: RunningClockOut
    paused: bool
    pauseReason: str
    reopenCount: int
    satisfaction: str
    version: int
    allowedActions: list[str]
    citizen: ContactOut


class EvidenceOut(Schema):
    id: int
    name: str
    contentType: str
    size: int
    url: str


class EventOut(Schema):
    type: str
    fromStatus: str
    toStatus: str
    note: str
    actor: str
    at: str | None
    payload: dict[str, Any]
    evidence: list[EvidenceOut]


class CallbackOut(Schema):
    method: str
    outcome: str
    satisfaction: str
    note: str
    round: int
    at: str | None


class RectificationDetailOut(RectificationOut):
    timeline: list[EventOut]
    callbacks: list[CallbackOut]


class RectificationPageOut(Schema):
    count: int
    items: list[RectificationOut]


class OverviewRowOut(Schema):
    unitId: int
    unit: str
    region: str
    open: int
    overdue: int
    new: int
    working: int
    callback: int
    escalated: int
    paused: int


class CallbackRateOut(Schema):
    due: int
    calledBack: int
    rate: float | None
    satisfied: int
    satisfiedRate: float | None
    definition: str


class EventRefOut(Schema):
    id: int
    type: str
    at: str | None


class RevealOut(Schema):
    name: str
    mobile: str
