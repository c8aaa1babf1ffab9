"""The national content catalog as data files (``data/content_v*.json``) and their loader.

The loader takes the model classes as arguments so the data migration (historical models) and
the ``ratings_content_load`` path share one piece of code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from haochaping.ratings.enums import level_from_hcp

DATA_DIR = Path(__file__).resolve().parent / "data"
CONTENT_FILES = ["content_v1_retired.json", "content_v2_current.json"]


def read_content_file(name: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def content_version_install(
    data: dict[str, Any], *, ContentVersion: Any, Indicator: Any, ReasonOption: Any
) -> Any:
    """Create one version with its indicators and options; a no-op if the code already exists."""
    existing = ContentVersion.objects.filter(code=data["code"]).first()
    if existing is not None:
        return existing
    if data.get("current"):
        ContentVersion.objects.filter(is_current=True).update(is_current=False)
    version = ContentVersion.objects.create(
        code=data["code"],
        name=data["name"],
        is_current=bool(data.get("current")),
        note=data.get("note", ""),
    )
    Indicator.objects.bulk_create(
        Indicator(
            version=version,
            channel_group=group,
            code=ind["code"],
            name=ind["name"],
            name_bo=ind.get("name_bo", ""),
            position=pos,
        )
        for group, indicators in data["indicators"].items()
        for pos, ind in enumerate(indicators)
    )
    ReasonOption.objects.bulk_create(
        ReasonOption(
            version=version,
            level=level_from_hcp(int(digit)).value,
            code=code,
            label=label,
            position=pos,
        )
        for digit, options in data["options"].items()
        for pos, (code, label) in enumerate(options)
    )
    return version


def install_all(*, ContentVersion: Any, Indicator: Any, ReasonOption: Any) -> None:
    for name in CONTENT_FILES:
        content_version_install(
            read_content_file(name),
            ContentVersion=ContentVersion,
            Indicator=Indicator,
            ReasonOption=ReasonOption,
        )
