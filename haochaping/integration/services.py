"""Writes for integration clients and nonces."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput, NotFound
from haochaping.integration.models import IntegrationClient, UsedNonce
from haochaping.integration.secrets_store import encrypt_secret
from haochaping.integration.signing import MAX_SKEW_SECONDS
from haochaping.org.models import Region, Unit

_REGION_CODE_RE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


@transaction.atomic
def integration_client_create(*, name: str, scope_code: str) -> tuple[IntegrationClient, str]:
    """Create a client; returns it and its secret (shown once, stored only encrypted)."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = [str(_("Give a name of 1 to 200 characters."))]
    region = unit = None
    scope_code = (scope_code or "").strip().upper()
    if _REGION_CODE_RE.fullmatch(scope_code):
        region = Region.objects.filter(code=scope_code).first()
        if region is None:
            errors["scope"] = [str(_("No region has this code."))]
    elif len(scope_code) == 18:
        unit = Unit.objects.filter(credit_code=scope_code).first()
        if unit is None:
            errors["scope"] = [str(_("No unit has this unified social credit code."))]
    else:
        errors["scope"] = [
            str(
                _(
                    "The scope is a region code (6, 9 or 12 digits) or a unit's 18-character credit code."
                )
            )
        ]
    if errors:
        raise InvalidInput(extra={"errors": errors})
    secret = secrets.token_urlsafe(32)
    client = IntegrationClient.objects.create(
        name=name,
        app_id="hcp_" + secrets.token_hex(8),
        secret_encrypted=encrypt_secret(secret),
        scope_code=scope_code,
        scope_region=region,
        scope_unit=unit,
        created_at=now(),
    )
    return client, secret


@transaction.atomic
def integration_client_revoke(*, app_id: str) -> IntegrationClient:
    client = IntegrationClient.objects.select_for_update().filter(app_id=app_id).first()
    if client is None:
        raise NotFound(_("No integration client has this app id."))
    if client.revoked_at is None:
        client.revoked_at = now()
        client.save(update_fields=["revoked_at"])
    return client


def nonce_use(*, client: IntegrationClient, nonce: str) -> bool:
    """Record ``nonce`` for ``client``; False if it was already used within the window."""
    try:
        if connection.in_atomic_block:
            with (
                transaction.atomic()
            ):  # a savepoint, so a duplicate does not spoil the caller's transaction
                UsedNonce.objects.create(client=client, nonce=nonce, seen_at=now())
        else:  # autocommit: one INSERT, no BEGIN/COMMIT round trips
            UsedNonce.objects.create(client=client, nonce=nonce, seen_at=now())
    except IntegrityError:
        return False
    return True


def nonce_purge(*, older_than: dt.timedelta = dt.timedelta(seconds=2 * MAX_SKEW_SECONDS)) -> int:
    """Delete nonces older than the window (they can no longer be replayed: the timestamp is stale)."""
    deleted, _counts = UsedNonce.objects.filter(seen_at__lt=now() - older_than).delete()
    return deleted
