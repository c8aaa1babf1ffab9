"""API schemas of /api/v1/appeals/ (camelCase like the rest of the wire API). No schema here
carries the evaluator's identity (name, mobile, ID number, receipt)."""

from __future__ import annotations

from ninja import Field, Schema


class VersionIn(Schema):
    version: int | None = Field(
        None, description="The version you read; a different current version answers 409 conflict."
    )


class DecideIn(VersionIn):
    outcome: str = Field(..., description="upheld, explanation or not_adopted.")
    reason: str = Field(..., description="The written reason (required).")


class FurtherRequestIn(VersionIn):
    reason: str


class UnitRefOut(Schema):
    id: int
    name: str


class ReviewOut(Schema):
    """The bad review as appeal pages show it: no evaluator identity."""

    level: str
    levelLabel: str
    channel: str
    assessedAt: str
    optionCodes: list[str]
    text: str
    otherText: str
    item: str | None
    projectNo: str | None = Field(None, description="Not shown to the rated staff member.")
    rectificationId: int | None = Field(None, description="Not shown to the rated staff member.")


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
    at: str


class AppealOut(Schema):
    id: int
    label: str
    status: str
    statusLabel: str
    filedFor: str
    unit: UnitRefOut
    staff: str | None
    filedAt: str
    noticeDeliveredAt: str
    fileDueAt: str
    reasons: str
    reviewerUnit: UnitRefOut
    routedBy: str
    decisionDueAt: str
    decisionOverdue: bool
    outcome: str
    decisionReason: str
    decidedAt: str | None
    furtherRequestDueAt: str | None
    furtherRequestedAt: str | None
    furtherUnit: UnitRefOut | None
    furtherDueAt: str | None
    furtherOutcome: str
    furtherReason: str
    finalOutcome: str
    version: int
    review: ReviewOut


class AppealDetailOut(AppealOut):
    evidence: list[EvidenceOut]
    timeline: list[EventOut]


class NoticeOut(Schema):
    rectificationId: int
    item: str
    deliveredAt: str
    fileDueAt: str
    open: bool
    appealId: int | None


class FigureRowOut(Schema):
    unitId: int
    unit: str
    filed: int
    pending: int
    decided: int
    decidedOnTime: int
    decidedLate: int
    overdue: int
    upheld: int
    explanation: int
    notAdopted: int
    furtherRequested: int
    furtherDecided: int
    furtherChanged: int


class FiguresOut(Schema):
    by: str
    rows: list[FigureRowOut]
    totals: dict[str, int]
    definitions: dict[str, str]
