from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from haochaping.accounts.conf import accounts_setting
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.core.clock import now
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


@transaction.atomic
def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device (created with a fresh random secret when missing)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm an enrolment with the first code from the app; InvalidInput when it is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token.strip()):
        raise InvalidInput(extra={"errors": {"token": [_("The code is not valid.")]}})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def totp_devices_reset(*, user: User) -> int:
    """Remove the user's TOTP devices: their next login enrols a new one (lost phone)."""
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def users_deactivate_inactive(
    *, days: int | None = None, at: dt.datetime | None = None
) -> list[str]:
    """Deactivate accounts without a login for ``days`` (INACTIVE_DAYS); returns the usernames.

    An account that never logged in counts from the day it was created. Superusers are kept:
    deactivating the last one would lock every administrator out of the site.
    """
    days = accounts_setting("INACTIVE_DAYS") if days is None else days
    cutoff = (at or now()) - dt.timedelta(days=days)
    stale = (
        User.objects.select_for_update()
        .filter(is_active=True, is_superuser=False)
        .filter(
            models.Q(last_login__lt=cutoff)
            | models.Q(last_login__isnull=True, date_joined__lt=cutoff)
        )
        .order_by("pk")
    )
    usernames = list(stale.values_list("username", flat=True))
    User.objects.filter(username__in=usernames).update(is_active=False)
    return usernames


@transaction.atomic
def totp_device_create(*, user: User, key_hex: str | None = None, name: str = "TOTP") -> TOTPDevice:
    """A confirmed device (the demo and tests; people enrol through the login page)."""
    kwargs = {"key": key_hex} if key_hex else {}
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True, **kwargs)
