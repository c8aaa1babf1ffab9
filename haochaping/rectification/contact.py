"""The citizen's contact details for a rectification: masked by default, revealed with a log."""

from __future__ import annotations

from dataclasses import dataclass

from haochaping.rectification.models import Rectification


@dataclass(frozen=True)
class Contact:
    name: str
    mobile: str

    @property
    def masked(self) -> Contact:
        return Contact(mask_name(self.name), mask_mobile(self.mobile))

    @property
    def present(self) -> bool:
        return bool(self.name or self.mobile)


def mask_mobile(mobile: str) -> str:
    """13912345678 -> 139****5678; short numbers keep only their last two digits."""
    if len(mobile) >= 8:
        return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]
    if len(mobile) > 2:
        return "*" * (len(mobile) - 2) + mobile[-2:]
    return "*" * len(mobile)


def mask_name(name: str) -> str:
    """卓玛 -> 卓*; 扎西顿珠 -> 扎***; a one-character name stays masked entirely."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def contact_of(rectification: Rectification) -> Contact:
    """The evaluator's own details, else the applicant's of the rated case; nothing when anonymous."""
    rating = rectification.rating
    if rating.is_anonymous:
        return Contact("", "")
    name, mobile = rating.evaluator_name, rating.evaluator_mobile
    case = rectification.case
    if case is not None:
        name = name or case.applicant_name
        mobile = mobile or case.applicant_mobile
    return Contact(name, mobile)
