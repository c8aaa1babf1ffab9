"""haochaping integrity evaluate: precision and recall of every check on labelled traffic."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Integrity checks: 'evaluate' scores every check on labelled synthetic traffic."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="generate labelled traffic and print precision/recall")
        ev.add_argument("--seed", type=int, default=1)
        ev.add_argument("--days", type=int, default=14)
        ev.add_argument("--units", type=int, default=5)
        ev.add_argument(
            "--per-day", type=int, default=12, help="clean ratings per unit and weekday"
        )
        ev.add_argument(
            "--keep", action="store_true", help="keep the generated data (default: roll back)"
        )
        ev.add_argument("--json", action="store_true", help="one JSON line instead of a table")
        bench = sub.add_parser("bench", help="ms per rating_submit with the checks on and off")
        bench.add_argument("--ratings", type=int, default=400)
        bench.add_argument("--rounds", type=int, default=4)
        bench.add_argument(
            "--distinct-mobiles",
            action="store_true",
            help="a new mobile per rating (no check fires) instead of one for all",
        )
        ev.add_argument(
            "--strict",
            action="store_true",
            help="exit 1 unless precision >= 0.9, recall >= 0.8, false flags < 1%%",
        )

    def handle(self, *args, **options):
        from haochaping.integrity.synthetic import evaluate

        if options["action"] == "bench":
            from haochaping.integrity.benchmark import measure

            self.stdout.write(
                json.dumps(
                    measure(
                        ratings=options["ratings"],
                        rounds=options["rounds"],
                        distinct_mobiles=options["distinct_mobiles"],
                    )
                )
            )
            return

        t0 = time.monotonic()
        result = evaluate(
            seed=options["seed"],
            days=options["days"],
            units=options["units"],
            per_day=options["per_day"],
            keep=options["keep"],
        )
        seconds = time.monotonic() - t0
        ratings = sum(result.labels.values())
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "checks": result.rows,
                        "clean": result.clean,
                        "clean_flagged": result.clean_flagged,
                        "false_flag_rate": round(result.false_flag_rate, 4),
                        "labels": dict(result.labels),
                        "errors": dict(result.errors),
                        "seconds": round(seconds, 1),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(
                f"{ratings} ratings ({result.clean} clean) in {seconds:.1f} s; "
                f"labels: {dict(result.labels)}"
            )
            self.stdout.write(
                f"{'check':15} {'fired':>6} {'true':>5} {'inj.':>5} "
                f"{'precision':>9} {'recall':>7} {'clean':>6} {'other':>6}"
            )
            for r in result.rows:
                p = "-" if r["precision"] is None else f"{r['precision']:.3f}"
                rc = "-" if r["recall"] is None else f"{r['recall']:.3f}"
                self.stdout.write(
                    f"{r['check']:15} {r['fired']:>6} {r['true']:>5} "
                    f"{r['injected']:>5} {p:>9} {rc:>7} {r['on_clean']:>6} "
                    f"{r['on_other_patterns']:>6}"
                )
            self.stdout.write(
                f"false flags on clean traffic: {result.clean_flagged}/"
                f"{result.clean} = {result.false_flag_rate:.4f}"
            )
            if result.errors:
                self.stdout.write(f"errors: {dict(result.errors)}")
        if options["strict"]:
            bad = [
                r["check"]
                for r in result.rows
                if r["injected"] and ((r["precision"] or 0) < 0.9 or (r["recall"] or 0) < 0.8)
            ]
            if bad or result.false_flag_rate >= 0.01:
                raise CommandError(
                    f"goals not met: {bad} false_flag_rate={result.false_flag_rate:.4f}"
                )
