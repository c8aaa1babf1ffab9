"""Reads over ratings, the content catalog and rollups."""

from __future__ import annotations

import time
from functools import lru_cache

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum

from haochaping.ratings.content import install_all
from haochaping.ratings.models import ContentVersion, Indicator, Rating, RatingRollup, ReasonOption
from haochaping.ratings.partitions import rating_locate

_CURRENT_TTL_SECONDS = 30.0
_current_cache: dict[str, tuple[float, ContentVersion]] = {}


def content_version_current_cached() -> ContentVersion:
    """The current version, remembered for 30 s per process and database (saves a query per rating).

    A version switch reaches other processes within 30 s: ratings submitted in between carry
    the previous version, which is what their evaluators were shown anyway. Saving a version
    and migrations (also the test runner's flush) clear it at once.
    """
    alias = "default"
    hit = _current_cache.get(alias)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    installed_before = _current_row()
    if installed_before is None:
        # Installed by this call, inside a transaction that may still roll back: not
        # remembered, or the process would hand out an id that no longer exists.
        return content_version_current()
    _current_cache[alias] = (time.monotonic() + _CURRENT_TTL_SECONDS, installed_before)
    return installed_before


def content_version_cache_clear(**kwargs) -> None:
    _current_cache.clear()


def _current_row() -> ContentVersion | None:
    return ContentVersion.objects.filter(is_current=True).only("id", "code").first()


def content_version_current() -> ContentVersion:
    """The current version; installs the shipped data files if the table is empty (fresh test DB)."""
    version = _current_row()
    if version is None:
        try:
            with transaction.atomic():
                install_all(
                    ContentVersion=ContentVersion, Indicator=Indicator, ReasonOption=ReasonOption
                )
        except IntegrityError:
            pass  # installed at the same moment by another request
        version = ContentVersion.objects.get(is_current=True)
    return version


def content_version_get(*, code: str) -> ContentVersion | None:
    if "\x00" in code:
        return None
    version = ContentVersion.objects.filter(code=code).only("id", "code").first()
    if version is None and not ContentVersion.objects.exists():
        content_version_current()
        version = ContentVersion.objects.filter(code=code).only("id", "code").first()
    return version


@lru_cache(maxsize=64)
def _options_of(version_id: int, version_code: str) -> dict[str, str]:
    # Versions are immutable, so (id, code) names one content for the life of the process.
    return dict(ReasonOption.objects.filter(version_id=version_id).values_list("code", "level"))


def content_option_levels(version: ContentVersion) -> dict[str, str]:
    """Map option code -> level for one version."""
    return _options_of(version.pk, version.code)


def content_version_detail(version: ContentVersion) -> dict:
    return {
        "indicators": list(
            Indicator.objects.filter(version=version).values("channel_group", "code", "name")
        ),
        "options": list(
            ReasonOption.objects.filter(version=version).values("level", "code", "label")
        ),
    }


def rating_get_by_receipt(*, receipt: str) -> Rating | None:
    if "\x00" in receipt or len(receipt) > 12:
        return None
    where = rating_locate(receipt=receipt.upper())
    if where is None:
        return None
    return (
        Rating.objects.select_related("case", "unit", "item", "content_version")
        .filter(where)
        .first()
    )


def rating_list_for_case(*, case_id: int) -> QuerySet[Rating]:
    return Rating.objects.filter(case_id=case_id).order_by("stage", "assess_number")


def rollup_total(**filters) -> int:
    return RatingRollup.objects.filter(**filters).aggregate(n=Sum("count"))["n"] or 0
