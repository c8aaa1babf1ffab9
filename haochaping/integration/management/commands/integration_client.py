"""Manage integration clients: create (prints one JSON object with app_id and secret), list, revoke."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from haochaping.core.exceptions import ApplicationError
from haochaping.integration.selectors import integration_client_list
from haochaping.integration.services import integration_client_create, integration_client_revoke


class Command(BaseCommand):
    help = "Create, list or revoke the clients allowed to call the signed API."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create", help="Create a client; prints {app_id, secret, ...} once."
        )
        create.add_argument("--name", required=True)
        create.add_argument(
            "--scope", required=True, help="Region code (e.g. 540100) or a unit's credit code."
        )
        sub.add_parser("list", help="List clients as JSON lines (no secrets).")
        revoke = sub.add_parser(
            "revoke", help="Revoke a client: its requests get 401 auth_revoked."
        )
        revoke.add_argument("app_id")

    def handle(self, *args, **options):
        try:
            if options["action"] == "create":
                client, secret = integration_client_create(
                    name=options["name"], scope_code=options["scope"]
                )
                self.stdout.write(
                    json.dumps(
                        {
                            "app_id": client.app_id,
                            "secret": secret,
                            "name": client.name,
                            "scope": client.scope_code,
                        },
                        ensure_ascii=False,
                    )
                )
            elif options["action"] == "list":
                for c in integration_client_list():
                    self.stdout.write(
                        json.dumps(
                            {
                                "app_id": c.app_id,
                                "name": c.name,
                                "scope": c.scope_code,
                                "created_at": c.created_at.isoformat(),
                                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
                            },
                            ensure_ascii=False,
                        )
                    )
            else:
                client = integration_client_revoke(app_id=options["app_id"])
                self.stdout.write(
                    json.dumps(
                        {"app_id": client.app_id, "revoked_at": client.revoked_at.isoformat()}
                    )
                )
        except ApplicationError as exc:
            detail = exc.extra.get("errors")
            raise CommandError(
                f"{exc.message} {json.dumps(detail, ensure_ascii=False) if detail else ''}".strip()
            ) from exc
