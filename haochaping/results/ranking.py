"""Rankings that are fair on small samples.

Score of an entity (county, unit, hall, window, item) over a period::

    score = Σ w_c · L(c) / Σ w_c        over the components c that have data

where each component is a proportion ``k / n`` from :mod:`metrics` and ``L`` is its **Wilson
score lower bound** at confidence ``z`` (default 1.96, i.e. 95 % two-sided)::

    L = (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n),   p = k/n

A unit with 3 of 3 good ratings has p = 1 but L = 0.44, so it cannot top a unit with 950 of
1000 (L = 0.935). Components whose denominator is 0 (e.g. a unit with no bad review has no
reply rate) are left out and the weights of the others renormalised. An entity with fewer than
``MIN_RATINGS`` valid first ratings gets no rank: it is listed apart as "too little data".

Configuration (settings.HAOCHAPING_RESULTS["RANKING"]; defaults in ``DEFAULTS``): ``Z``,
``MIN_RATINGS`` and ``WEIGHTS`` (component name -> weight; a weight of 0 drops the component).
Components: ``good_rate`` (好评率), ``satisfaction_rate`` (满意率), ``not_bad_rate`` (1 − 差评率),
``citizen_good_rate`` (主动评价好评率), ``reply_rate`` (差评回复率, contacted in time),
``rectification_rate`` (差评整改率), ``callback_satisfaction`` (回访整改满意率). The last three
exist for counties and units only (bad-review handling belongs to the unit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from haochaping.catalog.models import ServiceItem
from haochaping.org.models import Hall, Region, Unit, Window
from haochaping.results import metrics as m
from haochaping.results.enums import Dimension, RankingKind
from haochaping.results.periods import Period

DEFAULTS: dict[str, Any] = {
    "Z": 1.96,
    "MIN_RATINGS": 30,
    "WEIGHTS": {
        "good_rate": 0.4,
        "not_bad_rate": 0.2,
        "reply_rate": 0.15,
        "rectification_rate": 0.1,
        "callback_satisfaction": 0.15,
    },
}

COMPONENT_LABELS = {
    "good_rate": _("Good-rating rate"),
    "satisfaction_rate": _("Satisfaction rate"),
    "not_bad_rate": _("Share of ratings that are not bad"),
    "citizen_good_rate": _("Citizen-initiated good-rating rate"),
    "reply_rate": _("Bad-review reply rate (contacted in time)"),
    "rectification_rate": _("Rectification rate"),
    "callback_satisfaction": _("Callback satisfaction"),
}

RATING_COMPONENTS: dict[str, Callable[[m.RatingTally], m.Ratio]] = {
    "good_rate": m.good_rate,
    "satisfaction_rate": m.satisfaction_rate,
    "not_bad_rate": lambda t: m.Ratio(m.rating_count(t) - m.bad_rate(t).num, m.rating_count(t)),
    "citizen_good_rate": m.citizen_good_rate,
}
RECT_COMPONENTS: dict[str, Callable[[m.RectTally], m.Ratio]] = {
    "reply_rate": m.reply_rate,
    "rectification_rate": m.rectification_rate,
    "callback_satisfaction": m.callback_satisfaction,
}


def ranking_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    configured = getattr(settings, "HAOCHAPING_RESULTS", {}).get("RANKING", {})
    config = {**DEFAULTS, **configured, **(overrides or {})}
    unknown = set(config["WEIGHTS"]) - set(RATING_COMPONENTS) - set(RECT_COMPONENTS)
    if unknown:
        raise ValueError(f"unknown ranking components: {sorted(unknown)}")
    return config


def wilson_lower_bound(k: int, n: int, z: float = 1.96) -> float | None:
    """Lower bound of the Wilson score interval for k successes in n trials (None if n = 0)."""
    if n <= 0:
        return None
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


@dataclass
class Component:
    name: str
    ratio: m.Ratio
    lower: float | None
    weight: float

    @property
    def label(self) -> Any:
        return COMPONENT_LABELS[self.name]


@dataclass
class RankRow:
    key: Any
    label: str
    label_bo: str
    ratings: int
    components: list[Component] = field(default_factory=list)
    score: float | None = None
    rank: int | None = None
    tally: m.RatingTally | None = None
    rect: m.RectTally | None = None

    @property
    def sufficient(self) -> bool:
        return self.rank is not None

    def name_in(self, language: str) -> str:
        return self.label_bo if language == "bo" and self.label_bo else self.label

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.label,
            "name_bo": self.label_bo,
            "rank": self.rank,
            "score": None if self.score is None else round(self.score, 6),
            "ratings": self.ratings,
            "components": {
                c.name: {
                    **c.ratio.as_dict(),
                    "lower_bound": None if c.lower is None else round(c.lower, 6),
                    "weight": c.weight,
                }
                for c in self.components
            },
        }


@dataclass
class Ranking:
    kind: RankingKind
    period: Period
    config: dict[str, Any]
    ranked: list[RankRow]
    insufficient: list[RankRow]


def score_row(row: RankRow, config: dict[str, Any]) -> None:
    """Fill ``components`` and ``score`` from the row's tallies (pure)."""
    z = config["Z"]
    row.components = []
    for name, weight in config["WEIGHTS"].items():
        if not weight:
            continue
        if name in RATING_COMPONENTS:
            ratio = RATING_COMPONENTS[name](row.tally or m.RatingTally())
        elif row.rect is not None:
            ratio = RECT_COMPONENTS[name](row.rect)
        else:
            continue
        row.components.append(
            Component(name, ratio, wilson_lower_bound(ratio.num, ratio.den, z), float(weight))
        )
    present = [c for c in row.components if c.lower is not None]
    total_weight = sum(c.weight for c in present)
    row.score = (
        sum(c.weight * c.lower for c in present) / total_weight if total_weight else None  # type: ignore[operator]
    )


def rank_rows(
    rows: Iterable[RankRow], config: dict[str, Any]
) -> tuple[list[RankRow], list[RankRow]]:
    """Score, then rank the rows with at least MIN_RATINGS ratings (ties share a rank)."""
    ranked, insufficient = [], []
    for row in rows:
        score_row(row, config)
        (
            ranked
            if row.ratings >= config["MIN_RATINGS"] and row.score is not None
            else insufficient
        ).append(row)
    ranked.sort(key=lambda r: (-(r.score or 0), -r.ratings, r.label))
    previous: tuple[float, int] | None = None
    for position, row in enumerate(ranked, start=1):
        current = (round(row.score or 0, 9), position)
        row.rank = previous[1] if previous and previous[0] == current[0] else position
        previous = (current[0], row.rank)
    insufficient.sort(key=lambda r: (-r.ratings, r.label))
    for row in insufficient:
        row.rank = None
    return ranked, insufficient


_DIMENSION = {
    RankingKind.REGION: Dimension.REGION,
    RankingKind.UNIT: Dimension.UNIT,
    RankingKind.HALL: Dimension.HALL,
    RankingKind.WINDOW: Dimension.WINDOW,
    RankingKind.ITEM: Dimension.ITEM,
}


def _labels(
    kind: RankingKind, keys: set[Any], units: QuerySet[Unit] | list[int] | None
) -> dict[Any, tuple[str, str]]:
    """Names of the entities; for counties and units every one in scope (so silence shows)."""
    if kind == RankingKind.UNIT:
        # The active units in scope and the units with figures (all in scope: the tallies are
        # filtered by ``units``), read as the scope's units (an OR with thousands of ids was slow).
        qs = Unit.objects.all() if units is None else Unit.objects.filter(pk__in=units)
        rows = qs.values_list("pk", "name", "name_bo", "active")
        return {pk: (n, b) for pk, n, b, active in rows if active or pk in keys}
    if kind == RankingKind.REGION:
        home = settings.HAOCHAPING["HOME_REGION"]
        qs = Region.objects.filter(parent__code=home) | Region.objects.filter(pk__in=keys)
        return {pk: (n, b) for pk, n, b in qs.values_list("pk", "name", "name_bo")}
    if kind == RankingKind.HALL:
        rows = Hall.objects.filter(pk__in=keys).values_list("pk", "name", "name_bo")
    elif kind == RankingKind.WINDOW:
        rows = Window.objects.filter(pk__in=keys).values_list("pk", "hall__name", "number")
        return {pk: (f"{hall} {number}", "") for pk, hall, number in rows}
    else:
        rows = ServiceItem.objects.filter(pk__in=keys).values_list("pk", "name", "name_bo")
    return {pk: (n, b) for pk, n, b in rows}


def ranking(
    *,
    kind: RankingKind | str,
    period: Period,
    units: QuerySet[Unit] | None = None,
    config: dict[str, Any] | None = None,
) -> Ranking:
    """The ranking of ``kind`` over ``period`` among ``units`` (None: all). Three or four queries
    whatever the number of ratings: rating tallies, (bad-review tallies), names (+ a fold)."""
    kind = RankingKind(kind)
    config = ranking_config(config)
    dim = _DIMENSION[kind]
    units = m.unit_scope(units)  # type: ignore[assignment]
    tallies = m.rating_tallies(period=period, by=dim, units=units)
    tallies.pop(0, None)  # ratings without a window / item: not an entity
    rects: dict[Any, m.RectTally] = {}
    wants_rect = any(config["WEIGHTS"].get(n) for n in RECT_COMPONENTS)
    if dim in (Dimension.UNIT, Dimension.REGION) and wants_rect:
        rects = m.rect_tallies(period=period, by=dim, units=units)
    labels = _labels(kind, set(tallies) | set(rects), units)
    rows = []
    for key, (name, name_bo) in labels.items():
        tally = tallies.get(key, m.RatingTally())
        rect = rects.get(key, m.RectTally()) if dim in (Dimension.UNIT, Dimension.REGION) else None
        rows.append(
            RankRow(
                key=key,
                label=name,
                label_bo=name_bo,
                ratings=m.rating_count(tally),
                tally=tally,
                rect=rect,
            )
        )
    ranked, insufficient = rank_rows(rows, config)
    return Ranking(kind, period, config, ranked, insufficient)
