"""Signal receivers: an online case that becomes completed gets its rating invitation by SMS.

The cases app knows nothing of channels; we listen to Case saves. The SMS row and the link are
written in the case's own transaction (outbox style), so a rolled-back completion sends nothing.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from haochaping.cases.enums import CaseStatus
from haochaping.cases.models import Case


@receiver(post_save, sender=Case, dispatch_uid="channels.invite_on_completion")
def invite_on_completion(sender, instance: Case, created: bool, update_fields=None, **kwargs):
    if kwargs.get("raw") or instance.status != CaseStatus.COMPLETED:
        return
    if not created and update_fields is not None and "status" not in update_fields:
        return
    from haochaping.channels.services import invitation_on_completion

    invitation_on_completion(instance)
