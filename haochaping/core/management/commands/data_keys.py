"""haochaping data-keys: keys for citizens' identifiers at rest (generate, status, rotate)."""

from __future__ import annotations

import base64
import json
import secrets

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from haochaping.core import crypto, reencrypt


class Command(BaseCommand):
    help = "Data keys for citizens' ID numbers and mobiles: 'generate', 'status', 'rotate'."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser(
            "generate", help="print a new key entry ID:BASE64 for HAOCHAPING_DATA_KEYS"
        )
        gen.add_argument("key_id")
        gen.add_argument("--bytes", type=int, choices=crypto.KEY_SIZES, default=64)
        sub.add_parser("status", help="rows per table and key id (plain = not yet encrypted)")
        rot = sub.add_parser(
            "rotate",
            help="re-encrypt every row under the current (first) key; batched and resumable",
        )
        rot.add_argument("--batch-size", type=int, default=1000)
        rot.add_argument(
            "--model",
            action="append",
            default=[],
            help="only this model (app_label.Model); repeatable",
        )
        rot.add_argument(
            "--start-after", default=None, help="resume after this primary key (with one --model)"
        )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "generate":
            if not crypto.KEY_ID_RE.match(options["key_id"]):
                raise CommandError("A key id is 1-16 letters, digits, '-' or '_'.")
            raw = secrets.token_bytes(options["bytes"])
            self.stdout.write(f"{options['key_id']}:{base64.b64encode(raw).decode()}")
            return
        ring = crypto.keyring()
        if ring.is_dev:
            self.stderr.write("warning: HAOCHAPING_DATA_KEYS is not set; using the development key")
        models = self._models(options.get("model") or [])
        if action == "status":
            for model in models:
                p = reencrypt.convert_model(model, lambda v: v, dry_run=True, batch_size=5000)
                self.stdout.write(
                    json.dumps({"model": p.model, "rows": p.scanned, "values_by_key": p.by_key})
                )
            return
        if options["start_after"] is not None and len(models) != 1:
            raise CommandError("--start-after needs exactly one --model.")
        for model in models:
            progress = reencrypt.convert_model(
                model,
                reencrypt.to_current,
                batch_size=options["batch_size"],
                start_after=options["start_after"],
                on_batch=lambda p: self.stdout.write(
                    json.dumps(
                        {
                            "model": p.model,
                            "scanned": p.scanned,
                            "rewritten": p.changed,
                            "last_pk": p.last_pk,
                        }
                    )
                ),
            )
            self.stdout.write(
                json.dumps(
                    {
                        "model": progress.model,
                        "done": True,
                        "scanned": progress.scanned,
                        "rewritten": progress.changed,
                        "key": ring.current_id,
                    }
                )
            )

    def _models(self, labels: list[str]):
        if not labels:
            return reencrypt.encrypted_models()
        models = []
        for label in labels:
            try:
                model = apps.get_model(label)
            except (LookupError, ValueError) as exc:
                raise CommandError(f"Unknown model {label}.") from exc
            if not reencrypt.encrypted_fields(model):
                raise CommandError(f"{label} has no encrypted fields.")
            models.append(model)
        return models
