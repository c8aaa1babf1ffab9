"""``haochaping audit seal | verify | heads | reanchor``: the tamper-evident audit trail."""

from __future__ import annotations

import re
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haochaping.audit.context import audit_actor
from haochaping.audit.models import DayHead
from haochaping.audit.sealer import ChainBroken, audit_reanchor, audit_seal
from haochaping.audit.verify import audit_verify

HEAD_RE = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _head(text: str) -> tuple[int, str]:
    match = HEAD_RE.fullmatch(text.strip().lower())
    if match is None:
        raise CommandError(f"--head wants SEQ:HASH (64 hex digits), got {text!r}")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Audit trail: seal new rows and ratings, verify the chain (exit 1 naming each break)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seal", help="Chain unsealed audit rows and hash new ratings now.")
        verify = sub.add_parser(
            "verify",
            help="Recompute every row hash, the chain and every rating's content hash; "
            "exit 1 and name each finding.",
        )
        verify.add_argument(
            "--no-seal", action="store_true", help="Read only: do not seal new rows first."
        )
        verify.add_argument(
            "--max-unsealed-minutes",
            type=int,
            default=10,
            help="Rows unsealed for longer are a finding (the sealer runs every minute).",
        )
        verify.add_argument(
            "--head",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="A head recorded elsewhere (e.g. from /public/audit/); repeatable.",
        )
        heads = sub.add_parser("heads", help="Print the published daily chain heads.")
        heads.add_argument("--days", type=int, default=30)
        reanchor = sub.add_parser(
            "reanchor",
            help="After investigating a reported break, let sealing continue from the last row.",
        )
        reanchor.add_argument("--reason", required=True)

    def handle(self, *args, **options) -> None:
        action = options["action"]
        with audit_actor(f"system:audit-{action}"):
            getattr(self, f"_{action}")(options)

    def _seal(self, options) -> None:
        started = time.perf_counter()
        try:
            result = audit_seal()
        except ChainBroken as exc:
            raise CommandError(f"chain_broken: {exc}; run 'haochaping audit verify'") from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"sealed {result.rows} audit rows and {result.ratings} ratings in {seconds:.2f} s; "
            f"head seq {result.head_seq} {result.head_hash}"
        )

    def _verify(self, options) -> None:
        report = audit_verify(
            seal=not options["no_seal"],
            max_unsealed_minutes=options["max_unsealed_minutes"],
            expected_heads=[_head(h) for h in options["head"]],
        )
        for finding in report.findings:
            self.stdout.write(str(finding))
        summary = (
            f"checked {report.rows} audit rows, {report.batches} sealed batches, "
            f"{report.ratings} ratings ({report.unsealed_ratings} not sealed yet) "
            f"in {report.seconds:.2f} s: "
        )
        if report.ok:
            self.stdout.write(summary + "no findings")
            return
        n = len(report.findings)
        self.stdout.write(summary + f"{n} finding{'' if n == 1 else 's'}")
        raise SystemExit(1)

    def _heads(self, options) -> None:
        for head in DayHead.objects.order_by("-day")[: options["days"]]:
            self.stdout.write(f"{head.day} {head.seq}:{head.hash}")

    def _reanchor(self, options) -> None:
        record = audit_reanchor(reason=options["reason"])
        self.stdout.write(f"re-anchored: {record.changes}")
