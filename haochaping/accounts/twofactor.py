"""TOTP second factor (django-otp): who needs it, their device, the enrolment QR code."""

from __future__ import annotations

import base64
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haochaping.accounts.conf import accounts_setting
from haochaping.channels.qr import qr_svg


def requires_second_factor(user: Any) -> bool:
    """The second-factor roles, and every superuser whatever its role (`createsuperuser`
    leaves the default role)."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or user.role in accounts_setting("SECOND_FACTOR_ROLES")


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it when typed in (groups of four)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, rendered on the server (no script)."""
    return qr_svg(device.config_url, title="TOTP")


def code_at(device: TOTPDevice, timestamp: float) -> str:
    """The device's code at a moment (demo command and tests; never shown in production)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timestamp
    return f"{totp.token():0{device.digits}d}"


# The demo's published TOTP secret (README "Demo accounts"): base32 NBQW6Y3IMFYGS3THFVSGK3LPFVXXI4BB.
# `haochaping otp-code USER` prints codes only for devices with this key, and only in demo mode.
DEMO_TOTP_KEY_HEX = b"haochaping-demo-otp!".hex()
