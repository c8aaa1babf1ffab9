"""Checks for the national identifiers the product stores.

- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, check character
  over the first 17 with weights 3^i mod 31.
- Citizen ID number (公民身份号码, GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 check,
  a real birth date.
- Administrative division code (GB/T 2260; 9/12 digits extend it with township and village).

Each ``validate_*`` raises django.core.exceptions.ValidationError with a translated message;
each ``*_check_char`` is a pure function used by tests and the demo data generator.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_REGION_RE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of an organisation code (GB 11714), embedded in credit codes."""
    total = sum(
        CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first8, _ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def is_valid_credit_code(value: str) -> bool:
    if not isinstance(value, str) or len(value) != 18:
        return False
    if any(c not in CREDIT_CODE_CHARSET for c in value):
        return False
    return credit_code_check_char(value[:17]) == value[17]


def validate_credit_code(value: str) -> None:
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has exactly 18 characters."), code="credit_code_length"
        )
    if any(c not in CREDIT_CODE_CHARSET for c in value):
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and capital letters except I, O, S, V, Z."
            ),
            code="credit_code_charset",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."),
            code="credit_code_checksum",
        )


def id_number_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def validate_id_number(value: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(
            _("A citizen ID number has 17 digits followed by a digit or X."),
            code="id_number_format",
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1800:
        raise ValidationError(
            _("The birth date inside this citizen ID number is not a real date."),
            code="id_number_birth_date",
        )
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this citizen ID number is wrong."), code="id_number_checksum"
        )


def validate_region_code(value: str) -> None:
    if not isinstance(value, str) or not _REGION_RE.fullmatch(value):
        raise ValidationError(_("A region code has 6, 9 or 12 digits."), code="region_code_format")
    if value[:2] == "00":
        raise ValidationError(_("This region code names no province."), code="region_code_province")


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_mobile(value: str) -> None:
    if not isinstance(value, str) or not _MOBILE_RE.fullmatch(value):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13 to 19."), code="mobile_format"
        )
