"""Wire schemas of the channels API (national-style names: projectNo, pf, assessNumber)."""

from __future__ import annotations

from ninja import Field, Schema


class PromptIn(Schema):
    projectNo: str = Field(..., description="The case to be rated on the window's tablet.")
    stage: str | None = Field(
        None,
        description="acceptance or completion; default: completion if the case is completed.",
    )


class PromptOut(Schema):
    promptId: int
    window: int
    projectNo: str
    stage: str
    tablets: int = Field(..., description="Paired, not revoked tablets at this window.")
    expiresAt: str


class RatingLinkIn(Schema):
    stage: str | None = Field(None, description="acceptance or completion (default as above).")
    assessNumber: int = Field(
        1, description="1 first rating, 2 follow-up (追评) after a bad review."
    )
    pf: int = Field(3, description="Channel recorded for the rating: 3 QR on receipt, 1 PC, 2 app.")
    expiresDays: int | None = Field(None, description="Validity in days (default 7, 1 to 90).")
    returnUrl: str = Field("", description="Where to send the citizen after rating (allow-list).")
    sms: bool = Field(False, description="Also send the link by SMS (channel 7) to the applicant.")
    mobile: str = Field("", description="SMS number; default: the case's applicant mobile.")
    language: str = Field("", description="SMS language: zh-hans or bo.")


class RatingLinkOut(Schema):
    url: str
    expiresAt: str
    projectNo: str
    stage: str
    assessNumber: int
    pf: int
    qrSvg: str = Field(..., description="The QR code as an inline SVG document.")
    qrPng: str = Field(..., description="The QR code as a base64-encoded PNG.")
    receiptHtml: str = Field(..., description="A printable HTML snippet for the case receipt.")
    smsStatus: str | None = None
