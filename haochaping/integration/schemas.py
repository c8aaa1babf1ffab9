"""Wire schemas of the integration endpoints (national-style names)."""

from __future__ import annotations

from ninja import Field, Schema

from haochaping.ratings.schemas import CaseRatingOut, TextInput


class UnitOut(Schema):
    deptCode: str
    areaCode: str
    name: str
    nameBo: str
    parentDeptCode: str | None


class ItemOut(Schema):
    taskCode: str
    taskName: str
    deptCode: str
    itemType: str
    onlineCapable: bool


class CaseIn(TextInput):
    projectNo: str = Field(..., description="Case number, unique.")
    taskCode: str = Field(..., description="Service item code (see GET /catalog/items).")
    deptCode: str | None = Field(
        None, description="Handling unit credit code; default: the item's unit."
    )
    userProp: str = Field("1", description="1 natural person, 2 legal person, 9 other.")
    userName: str
    certKey: str = ""
    mobile: str = ""
    applyChannel: str = Field("window", description="window, online, app or self_service.")
    windowNo: str | None = Field(None, description="Window number in the unit's hall (optional).")
    proManager: str | None = Field(
        None, description="Staff number of the window staff member (optional)."
    )
    acceptDate: str = Field(..., description="yyyy-MM-dd HH:mm:ss, Beijing time.")
    promiseTime: str | None = Field(None, description="Promised completion, yyyy-MM-dd HH:mm:ss.")
    finishTime: str | None = Field(
        None, description="Completion time, yyyy-MM-dd HH:mm:ss; completes the case."
    )


class CaseOut(Schema):
    projectNo: str
    taskCode: str
    taskName: str
    deptCode: str
    deptName: str
    areaCode: str
    proStatus: str
    acceptDate: str
    promiseTime: str | None
    finishTime: str | None
    created: bool = False
    ratings: list[CaseRatingOut]
    rectification: dict | None = Field(
        None, description="Status and deadlines once rectification exists."
    )
