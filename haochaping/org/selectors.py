"""Reads over the org tree."""

from __future__ import annotations

from django.db.models import QuerySet

from haochaping.org.models import Region, Unit


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def unit_list_in_region(region: Region) -> QuerySet[Unit]:
    """Units located in ``region`` or any region below it."""
    return Unit.objects.filter(region__path__startswith=region.path)


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)
