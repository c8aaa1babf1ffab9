"""Which unit reviews an appeal (plan §四(二)): the rated unit's supervising department, or, for
items handled in a service centre, the service administration at the same level — unless the
routing table (:class:`~haochaping.appeals.models.RoutingRule`) says otherwise.

:func:`pick_rule` is the pure core (most specific rule wins); :func:`route_appeal` loads the
candidates and applies the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from haochaping.appeals.enums import CentreMatch, RoutingBasis
from haochaping.appeals.models import RoutingRule
from haochaping.core.exceptions import Conflict
from haochaping.org.models import Region, Unit


@dataclass(frozen=True)
class Route:
    reviewer_unit: Unit
    basis: RoutingBasis
    rule: RoutingRule | None
    in_service_centre: bool


def region_codes(path: str) -> list[str]:
    """ "/540000/540100/540102/" -> ["540000", "540100", "540102"] (root first)."""
    return [p for p in path.strip("/").split("/") if p]


def pick_rule(
    rules: Iterable[Any], *, unit_id: int, in_centre: bool, region_depth: dict[int, int]
) -> Any | None:
    """The most specific applicable rule: a rule naming the unit before a region-wide one, a
    deeper region before a higher one, a centre/elsewhere rule before an "any" rule. Rules of
    another unit, or for the other kind of item, do not apply."""
    wanted = CentreMatch.CENTRE if in_centre else CentreMatch.ELSEWHERE
    best, best_key = None, None
    for rule in rules:
        if rule.unit_id is not None and rule.unit_id != unit_id:
            continue
        if rule.centre not in (CentreMatch.ANY, wanted):
            continue
        if rule.region_id not in region_depth:
            continue
        key = (
            rule.unit_id is not None,
            region_depth[rule.region_id],
            rule.centre == wanted,
            -rule.pk,
        )
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def service_administration_for(region: Region) -> Unit | None:
    """The active service administration of ``region``, else of the nearest region above it."""
    codes = region_codes(region.path)
    found = {
        u.region.code: u
        for u in Unit.objects.filter(
            is_service_administration=True, active=True, region__code__in=codes
        )
        .select_related("region")
        .order_by("-pk")
    }
    for code in reversed(codes):
        if code in found:
            return found[code]
    return None


def service_centre_of(rating: Any) -> Any | None:
    """The hall where the rated service was given (the rating's window), or None."""
    if rating.window_id is None:
        return None
    window = rating.window
    return window.hall if window is not None else None


def route_appeal(*, unit: Unit, rating: Any) -> Route:
    hall = service_centre_of(rating)
    in_centre = hall is not None
    codes = region_codes(unit.region.path)
    regions = dict(Region.objects.filter(code__in=codes).values_list("pk", "code"))
    depth = {pk: codes.index(code) for pk, code in regions.items()}
    candidates = RoutingRule.objects.filter(active=True, region_id__in=list(depth)).select_related(
        "reviewer_unit__region"
    )
    rule = pick_rule(candidates, unit_id=unit.pk, in_centre=in_centre, region_depth=depth)
    if rule is not None:
        return Route(rule.reviewer_unit, RoutingBasis.RULE, rule, in_centre)
    if hall is not None:
        admin = service_administration_for(hall.region)
        if admin is not None:
            return Route(admin, RoutingBasis.SERVICE_ADMINISTRATION, None, True)
    parent = unit.parent if unit.parent_id else None
    if parent is not None and parent.active:
        return Route(parent, RoutingBasis.SUPERVISING_DEPARTMENT, None, in_centre)
    admin = service_administration_for(unit.region)
    if admin is not None and admin.pk != unit.pk:
        return Route(admin, RoutingBasis.SERVICE_ADMINISTRATION, None, in_centre)
    raise Conflict(
        _("No reviewing unit is known for %(unit)s: add a row to the appeal routing table.")
        % {"unit": unit.name},
        extra={"unit": unit.pk},
    )


def bureau_for(unit: Unit) -> Unit | None:
    """The city bureau that does further reviews: the service administration of the configured
    region (``HAOCHAPING_APPEALS["BUREAU_REGION"]``, default the home region) when it covers the
    unit, else the service administration of the city-level region above the unit."""
    from django.conf import settings

    from haochaping.appeals.conf import appeal_setting
    from haochaping.org.enums import RegionLevel

    code = appeal_setting("BUREAU_REGION") or settings.HAOCHAPING.get("HOME_REGION", "")
    codes = region_codes(unit.region.path)
    if code and code in codes:
        found = (
            Unit.objects.filter(is_service_administration=True, active=True, region__code=code)
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    city = Region.objects.filter(code__in=codes, level=RegionLevel.CITY).order_by("-path").first()
    if city is None:
        return None
    return (
        Unit.objects.filter(is_service_administration=True, active=True, region=city)
        .order_by("pk")
        .first()
    )
