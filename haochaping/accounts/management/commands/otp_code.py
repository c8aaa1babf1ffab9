"""Print a demo account's current TOTP code (demo mode only)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from haochaping.accounts.twofactor import DEMO_TOTP_KEY_HEX, code_at


def demo_mode() -> bool:
    """DEBUG, or the embedded demo's key (production refuses that key: check core.E001)."""
    return bool(settings.DEBUG) or settings.SECRET_KEY == settings.INSECURE_DEMO_SECRET_KEY


class Command(BaseCommand):
    help = "Print the current two-step login code of a demo account (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        if not demo_mode():
            raise CommandError("otp-code runs only in demo mode (DEBUG or the demo SECRET_KEY).")
        device = (
            TOTPDevice.objects.filter(
                user__username=options["username"], confirmed=True, key=DEMO_TOTP_KEY_HEX
            )
            .order_by("pk")
            .first()
        )
        if device is None:
            raise CommandError(
                f"{options['username']} has no device with the published demo secret."
            )
        stamp = time.time()
        left = device.step - int(stamp - device.t0) % device.step
        self.stdout.write(code_at(device, stamp))
        self.stderr.write(f"valid for {left} more seconds")
