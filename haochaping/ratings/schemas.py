"""Wire schemas of the ratings API (national-style field names, DOMAIN.md §8)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

BATCH_MAX = 1000


class ErrorOut(Schema):
    code: str
    message: str
    extra: dict[str, Any] = {}


class TextInput(Schema):
    """Input schema refusing NUL characters in any string (PostgreSQL text cannot hold them)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


class RatingIn(TextInput):
    """One rating record. Unknown national fields (taskName, proStatus, dataSource ...) are accepted and ignored."""

    projectNo: str | None = Field(
        None, description="Case number; empty for a rating without a case (give deptCode)."
    )
    taskCode: str | None = Field(
        None, description="Service item code; checked against the case when given."
    )
    deptCode: str | None = Field(None, description="Unit credit code (18 characters).")
    pf: int = Field(
        ...,
        description="Channel: 1 PC, 2 mobile, 3 QR code, 4 hall evaluator, 5 kiosk, 6 phone, 7 SMS.",
    )
    satisfaction: int = Field(..., description="1 = 非常不满意 … 5 = 非常满意.")
    evalDetail: str = Field(
        "", description="Comma-separated reason codes of the chosen level, e.g. '510,517'."
    )
    writingEvaluation: str = Field("", description="Free text.")
    otherEvaluation: str = Field("", description="The 'other' reason text.")
    assessTime: str = Field(..., description="yyyy-MM-dd HH:mm:ss, Beijing time.")
    assessNumber: int = Field(1, description="1 first rating, 2 follow-up.")
    stage: str = Field(
        "completion", description="acceptance or completion (extension; default completion)."
    )
    userProp: str = Field("1", description="1 natural person, 2 legal person, 9 other.")
    userName: str = ""
    certKey: str = Field("", description="Citizen ID number or unified social credit code.")
    mobile: str = ""
    anonymous: bool = False
    publicFlag: int = Field(1, description="1 may be published, 0 not.")
    contentVersion: str | None = Field(
        None, description="Content version shown to the evaluator; default current."
    )
    paperForm: bool = Field(False, description="Keyed in from a paper form.")
    staffEntered: bool = Field(False, description="Entered by staff on the citizen's behalf.")
    systemDefault: bool = Field(
        False, description="Written by a system default rule, not the citizen."
    )
    language: str = Field("", description="zh-hans, bo or en.")
    deviceId: str = ""
    idempotencyKey: str = Field(
        "", description="Retry-safe key (UUID recommended); the same key returns the first rating."
    )


class RatingCreatedOut(Schema):
    id: int
    receipt: str
    created: bool


class RatingBatchIn(Schema):
    records: list[dict[str, Any]] = Field(
        ..., max_length=BATCH_MAX, description="Up to 1,000 rating records."
    )


class RatingBatchResult(Schema):
    index: int
    status: int
    id: int | None = None
    receipt: str | None = None
    code: str | None = None
    message: str | None = None
    errors: dict[str, list[str]] | None = None


class RatingBatchOut(Schema):
    results: list[RatingBatchResult]
    created: int
    replayed: int
    failed: int


class ReasonOut(Schema):
    code: str
    label: str


class RatingReceiptOut(Schema):
    """What the citizen who holds the receipt may see (no identity)."""

    receipt: str
    projectNo: str | None
    taskName: str | None
    deptName: str
    satisfaction: int
    evalDetail: list[ReasonOut]
    writingEvaluation: str
    assessTime: str
    assessNumber: int
    stage: str
    pf: int
    valid: bool


class CaseRatingOut(Schema):
    """A rating as shown with its case: no evaluator identity."""

    receipt: str
    satisfaction: int
    evalDetail: str
    writingEvaluation: str
    assessTime: str
    assessNumber: int
    stage: str
    pf: int
    valid: bool


class IndicatorOut(Schema):
    channelGroup: str
    code: str
    name: str
    nameBo: str


class OptionOut(Schema):
    satisfaction: int = Field(
        ..., description="The level the option belongs to, 1 = 非常不满意 … 5 = 非常满意."
    )
    code: str
    label: str
    labelBo: str


class ContentOut(Schema):
    """What the evaluator is shown, per content version (devices render from this)."""

    code: str
    name: str
    current: bool
    indicators: list[IndicatorOut]
    options: list[OptionOut]
