"""Every write of the privacy app: the reveal of an identity (logged) and the reveal log itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput, NotFound, PermissionDenied
from haochaping.privacy.models import RevealLog
from haochaping.privacy.policy import TARGETS, Identity, may_reveal

REASON_MAX = 300


def reveal_log_record(
    *,
    acting_user: Any,
    target: str,
    object_id: Any,
    fields: list[str],
    reason: str,
    address: str | None = None,
) -> RevealLog:
    """One row of the reveal log; also called by flows with their own reveal (rectification)."""
    return RevealLog.objects.create(
        user=acting_user,
        role=getattr(acting_user, "role", ""),
        target=target,
        object_id=str(object_id),
        fields=fields,
        reason=reason[:REASON_MAX],
        address=address or None,
        created_at=now(),
    )


@transaction.atomic
def identity_reveal(
    *, target: str, object_id: Any, reason: str, acting_user: Any, address: str | None = None
) -> Identity:
    """The full identity on ``target`` ``object_id``, logged with who, when, what and why."""
    spec = TARGETS.get(target)
    if spec is None:
        raise NotFound()
    if not may_reveal(acting_user, spec):
        raise PermissionDenied()
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            extra={"errors": {"reason": [str(_("Give a reason for seeing the identity."))]}}
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            extra={"errors": {"reason": [str(_("Keep the reason under 300 characters."))]}}
        )
    obj = spec.load(acting_user, object_id)
    identity = spec.identity(obj)
    if not identity.present:
        raise NotFound(_("This record carries no identity to show."))
    reveal_log_record(
        acting_user=acting_user,
        target=target,
        object_id=obj.pk,
        fields=identity.fields,
        reason=reason,
        address=address,
    )
    return identity
