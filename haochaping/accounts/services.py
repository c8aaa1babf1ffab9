from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.core.exceptions import InvalidInput
from haochaping.core.services import validate_or_raise
from haochaping.org.models import Region, Staff, Unit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str = "",
    scope_region: Region | None = None,
    scope_unit: Unit | None = None,
    staff: Staff | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    check_password: bool = True,
) -> User:
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        scope_region=scope_region,
        scope_unit=scope_unit,
        staff=staff,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if scope_region is not None and scope_unit is not None:
        raise InvalidInput(
            extra={
                "errors": {
                    "scope_unit": [_("A user has a region scope or a unit scope, not both.")]
                }
            }
        )
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(extra={"errors": {"password": list(exc.messages)}}) from exc
    user.set_password(password)
    validate_or_raise(user, exclude=["password"])
    user.save()
    return user
