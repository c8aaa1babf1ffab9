"""Reads for integration clients and their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from haochaping.integration.models import IntegrationClient
from haochaping.org.models import Unit


def integration_client_list() -> QuerySet[IntegrationClient]:
    return IntegrationClient.objects.select_related("scope_region", "scope_unit").order_by(
        "created_at", "id"
    )


def integration_client_get(*, app_id: str) -> IntegrationClient | None:
    return (
        IntegrationClient.objects.select_related("scope_region", "scope_unit")
        .filter(app_id=app_id)
        .first()
    )


def client_unit_q(client: IntegrationClient, *, prefix: str = "") -> Q:
    """A filter on Unit (or on ``<prefix>`` pointing to a Unit) restricted to the client's scope."""
    if client.scope_region is not None:
        return Q(**{f"{prefix}region__path__startswith": client.scope_region.path})
    if client.scope_unit is not None:
        return Q(**{f"{prefix}path__startswith": client.scope_unit.path})
    return Q(pk__in=[])


def unit_in_client_scope(client: IntegrationClient, unit: Unit) -> bool:
    """The same rule as client_unit_q, for a unit already loaded (with its region)."""
    if client.scope_region is not None:
        return unit.region.path.startswith(client.scope_region.path)
    if client.scope_unit is not None:
        return unit.path.startswith(client.scope_unit.path)
    return False


def request_client(request: Any) -> IntegrationClient:
    """The client authenticated by HmacAuth (ninja puts it on ``request.auth``)."""
    client: IntegrationClient = request.auth
    return client


def units_for_client(client: IntegrationClient) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(client_unit_q(client)).select_related("region").order_by("credit_code")
    )
