"""Account chores for operators: deactivate idle accounts, reset a second factor, revoke a tablet."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from haochaping.accounts.models import User
from haochaping.accounts.services import totp_devices_reset, users_deactivate_inactive


class Command(BaseCommand):
    help = "Deactivate inactive accounts, reset a user's two-step login, revoke a hall tablet."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        inactive = sub.add_parser(
            "deactivate-inactive", help="Deactivate accounts without a login for N days."
        )
        inactive.add_argument("--days", type=int, default=None, help="Default: INACTIVE_DAYS.")
        reset = sub.add_parser(
            "reset-otp", help="Remove a user's TOTP devices; the next login enrols a new one."
        )
        reset.add_argument("username")
        tablet = sub.add_parser(
            "revoke-tablet", help="Revoke a hall tablet: its token stops working at once."
        )
        tablet.add_argument("device_id", type=int)
        sub.add_parser("list-tablets", help="List hall tablets as JSON lines.")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "deactivate-inactive":
            names = users_deactivate_inactive(days=options["days"])
            self.stdout.write(json.dumps({"deactivated": names}, ensure_ascii=False))
        elif action == "reset-otp":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']}.")
            self.stdout.write(json.dumps({"devices_removed": totp_devices_reset(user=user)}))
        elif action == "revoke-tablet":
            from haochaping.channels.models import Device
            from haochaping.channels.services import device_revoke

            device = Device.objects.filter(pk=options["device_id"]).first()
            if device is None:
                raise CommandError(f"No tablet with id {options['device_id']}.")
            device = device_revoke(device=device, acting_user=None)
            self.stdout.write(
                json.dumps({"device": device.pk, "revoked_at": device.revoked_at.isoformat()})
            )
        else:
            from haochaping.channels.models import Device

            for d in Device.objects.select_related("window").order_by("pk"):
                self.stdout.write(
                    json.dumps(
                        {
                            "device": d.pk,
                            "name": d.name,
                            "window": str(d.window),
                            "paired": d.paired_at is not None,
                            "revoked": d.revoked_at is not None,
                        },
                        ensure_ascii=False,
                    )
                )
