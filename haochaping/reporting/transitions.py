"""The report workflow as a table: draft → in review → published → superseded (pure, no DB)."""

from __future__ import annotations

from haochaping.core.exceptions import InvalidTransition
from haochaping.reporting.enums import ReportState as S

ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.PUBLISHED}),
    S.PUBLISHED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def assert_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(extra={"from": str(current), "to": str(target)})
