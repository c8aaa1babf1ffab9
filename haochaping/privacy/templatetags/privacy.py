"""``{% identity_box "task" task %}``: a citizen's identity, masked, with a reveal form if allowed."""

from __future__ import annotations

from django import template

from haochaping.accounts.enums import Role
from haochaping.privacy.policy import TARGETS, Identity, may_reveal

register = template.Library()


@register.inclusion_tag("privacy/_identity.html", takes_context=True)
def identity_box(context, target: str, obj) -> dict:
    spec = TARGETS[target]
    user = context["request"].user
    identity = spec.identity(obj)
    allowed = may_reveal(user, spec)
    if spec.evaluator and user.role == Role.WINDOW_STAFF:
        identity = Identity()  # the rated staff see nothing of an evaluator, not even masked
    return {
        "target": target,
        "object_id": obj.pk,
        "identity": identity.masked(),
        "may_reveal": allowed and identity.present,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
