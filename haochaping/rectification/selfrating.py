"""The citizen's online self-rating of the fix (网上自助评价): a signed link sent by SMS.

The token names the rectification and its round (``reopen_count``), so a link from before a
reopening no longer works; it expires after ``SELF_RATING_DAYS`` (default 7) days.
"""

from __future__ import annotations

from django.core import signing

from haochaping.rectification.conf import rect_setting

SALT = "haochaping.rectification.self-rating"


def self_rating_token(rectification_id: int, round_: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{rectification_id}.{round_}")


def self_rating_parse(token: str) -> tuple[int, int] | None:
    """(rectification id, round), or None when the token is forged, malformed or expired."""
    max_age = rect_setting("SELF_RATING_DAYS") * 86400
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
        rid, round_ = value.split(".")
        return int(rid), int(round_)
    except (signing.BadSignature, ValueError):
        return None
