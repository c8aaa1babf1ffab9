"""``make bench``: every scenario in bench/, on PostgreSQL and (where a scenario takes ``--db``)
on SQLite, at a bounded size, with the JSON lines collected under bench/results/<UTC time>/.

    BENCH_SCALE=small .venv/bin/python bench/run.py       # default; at most 20 min (--budget)
    BENCH_SCALE=full  .venv/bin/python bench/run.py       # the goals' sizes (30M ratings: hours)
    .venv/bin/python bench/run.py --only sweep,rating_page
    .venv/bin/python bench/run.py --table bench/results/<dir>   # Markdown rows for the docs

Each scenario is its own script, run as a subprocess with its own CLI flags (only the flags its
``--help`` lists are passed, so a scenario that changes its options still runs) and a time limit;
it creates and drops its own scratch database and prints JSON lines, each figure with a baseline
measured in the same run (a ``ratio``). Per scenario and database this writes
``<scenario>.<db>.jsonl`` and ``<scenario>.<db>.log`` (stderr); ``summary.jsonl`` has one line
per run (exit code, seconds, load average before and after). At small scale the whole run is
bounded (``--budget``, default 1,200 s: each scenario gets at most what is left; scenarios that
find the budget used up are listed as not run). Exit code 1 when any scenario failed, timed out
or was not run; the others still run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Scenario:
    name: str
    script: str
    small: tuple[str, ...]
    full: tuple[str, ...]
    small_timeout_s: int = 300


SCENARIOS = [
    Scenario(
        "ingest",
        "ingest.py",
        ("--seconds", "5", "--warmup", "2", "--rounds", "1", "--import-records", "5000"),
        ("--seconds", "15", "--rounds", "3", "--import-records", "200000"),
    ),
    Scenario(
        "integrity_overhead",
        "integrity_overhead.py",
        ("--seconds", "5", "--warmup", "2", "--rounds", "1"),
        (),
    ),
    Scenario(
        "dashboard",
        "dashboard.py",
        ("--scales", "100000,1000000", "--requests", "20"),
        ("--scales", "1000000,30000000", "--requests", "40"),
    ),
    Scenario("reports", "reports.py", ("--ratings", "50000"), ("--ratings", "225000")),
    Scenario(
        "dataout",
        "dataout.py",
        ("--messages", "200", "--load", "200"),
        ("--messages", "2000", "--load", "2000"),
    ),
    Scenario("jobs_throughput", "jobs_throughput.py", ("--jobs", "500"), ("--jobs", "2000")),
    Scenario(
        "sweep",
        "sweep.py",
        ("--items", "100000", "--repeat", "3"),  # the goal's size: ~40 s with set-up
        ("--items", "100000", "--repeat", "3"),
        small_timeout_s=600,
    ),
    Scenario(
        "province",
        "province.py",
        (
            "--ratings",
            "50000",
            "--baseline",
            "10000",
            "--seconds",
            "3",
            "--warmup",
            "1",
            "--import-records",
            "5000",
            "--requests",
            "5",
            "--render",
            "none",
        ),
        (
            "--ratings",
            "10000000",
            "--baseline",
            "1000000",
            "--seconds",
            "15",
            "--import-records",
            "200000",
            "--requests",
            "40",
        ),
        small_timeout_s=900,
    ),
    Scenario("rating_page", "rating_page.py", ("--requests", "20"), ("--requests", "100")),
    # the demo database (make demo's seed-demo), backed up and restored by the real commands
    Scenario("backup", "backup.py", ("--months", "1"), (), small_timeout_s=600),
    Scenario(
        "privacy_encrypt",
        "privacy_encrypt.py",
        ("--ratings", "500", "--rounds", "2"),
        ("--ratings", "2000", "--rounds", "5"),
    ),
    Scenario(
        "audit",
        "audit.py",
        (
            "--writes",
            "200",
            "--ratings",
            "200",
            "--rounds",
            "2",
            "--seal-rows",
            "5000",
            "--seal-ratings",
            "5000",
        ),
        (),
    ),
]
DATABASES = ("postgresql", "sqlite")
FIGURE = re.compile(r"(ratio|^met|overhead|per_s|rps|_ms|_s)$")  # keys of figures
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def load() -> float:
    return round(os.getloadavg()[0], 2)


def script_help(script: Path) -> str:
    out = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.stdout


def db_choice(help_text: str, db: str) -> str | None:
    """The scenario's own name for ``db`` (``--db {postgres,sqlite}`` ...); None: no --db flag."""
    if "--db" not in FLAG.findall(help_text):
        return None
    choices = re.search(r"--db \{([^}]*)\}", help_text)
    names = choices.group(1).split(",") if choices else [db]
    return next((n for n in names if n.startswith(db[:6])), db)


def keep_supported(args: tuple[str, ...], flags: set[str]) -> tuple[list[str], list[str]]:
    """The args whose flag the script knows (a flag's value goes with it), and the dropped flags."""
    kept: list[str] = []
    dropped: list[str] = []
    skip_value = False
    for arg in args:
        if arg.startswith("--"):
            skip_value = arg not in flags
            (dropped if skip_value else kept).append(arg)
        elif not skip_value:
            kept.append(arg)
    return kept, dropped


def run_one(scenario: Scenario, db: str, args: list[str], out_dir: Path, timeout: int) -> dict:
    stem = out_dir / f"{scenario.name}.{db}"
    cmd = [sys.executable, str(BENCH / scenario.script), *args]
    print(f"=== {scenario.name} ({db}): {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    before, started = load(), time.monotonic()
    with open(f"{stem}.jsonl", "w") as out, open(f"{stem}.log", "w") as err:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=out, stderr=err, text=True, start_new_session=True
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # the scenario and the servers it started
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            rc = "timeout"
    lines = [
        json.loads(line)
        for line in Path(f"{stem}.jsonl").read_text().splitlines()
        if line.startswith("{")
    ]
    return {
        "scenario": scenario.name,
        "db": db,
        "command": " ".join(["python", *cmd[1:]]),
        "rc": rc,
        "seconds": round(time.monotonic() - started, 1),
        "json_lines": len(lines),
        "load_before": before,
        "load_after": load(),
    }


def headline(line: dict) -> str | None:
    """One short text per JSON line that carries a figure against a baseline or a goal."""
    if not any(FIGURE.search(key) for key in line):
        return None
    skip = {"scenario", "db", "when", "cpus", "runs", "command"}
    parts = [f"{k}={v}" for k, v in line.items() if k not in skip and not isinstance(v, dict)]
    return ", ".join(parts)


def table(result_dir: Path) -> str:
    rows = ["| scenario | db | figures (JSON line) |", "| --- | --- | --- |"]
    for path in sorted(result_dir.glob("*.jsonl")):
        if path.name == "summary.jsonl":
            continue
        name, db = path.stem.rsplit(".", 1)
        lines = [json.loads(raw) for raw in path.read_text().splitlines() if raw.startswith("{")]
        rows.extend(f"| {name} | {db} | {text} |" for line in lines if (text := headline(line)))
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "small"))
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--db", default="", help="postgresql or sqlite (default: both)")
    parser.add_argument("--table", type=Path, help="print Markdown rows from a results dir")
    parser.add_argument(
        "--budget",
        type=float,
        default=float(os.environ.get("BENCH_BUDGET_S", "0")),
        help="seconds for the whole run (default: 1200 at small scale, none at full)",
    )
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return 0
    if args.scale not in ("small", "full"):
        parser.error("BENCH_SCALE must be small or full")
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    out_dir = RESULTS / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True)
    failed = []
    budget = args.budget or (1200 if args.scale == "small" else 10**9)
    ends_at = time.monotonic() + budget
    with open(out_dir / "summary.jsonl", "w") as summary:
        for scenario in chosen:
            script = BENCH / scenario.script
            if not script.exists():
                record = {"scenario": scenario.name, "skipped": f"{scenario.script} missing"}
                summary.write(json.dumps(record) + "\n")
                continue
            help_text = script_help(script)
            flags = set(FLAG.findall(help_text))
            wanted = scenario.small if args.scale == "small" else scenario.full
            base_args, dropped = keep_supported(wanted, flags)
            timeout = scenario.small_timeout_s if args.scale == "small" else 6 * 3600
            for db in DATABASES:
                if args.db and db != args.db:
                    continue
                choice = db_choice(help_text, db)
                if choice is None and db != "postgresql":
                    record = {"scenario": scenario.name, "db": db, "skipped": "PostgreSQL only"}
                    summary.write(json.dumps(record) + "\n")
                    continue
                extra = ["--db", choice] if choice else []
                left = int(ends_at - time.monotonic())
                if left < 30:
                    record = {"scenario": scenario.name, "db": db, "skipped": "budget used up"}
                    summary.write(json.dumps(record) + "\n")
                    failed.append(f"{scenario.name}/{db} (not run: budget)")
                    continue
                record = run_one(scenario, db, [*base_args, *extra], out_dir, min(timeout, left))
                record["dropped_flags"] = dropped
                summary.write(json.dumps(record) + "\n")
                summary.flush()
                print(json.dumps(record), flush=True)
                if record["rc"] != 0:
                    failed.append(f"{scenario.name}/{db}")
    print(table(out_dir))
    print(f"results: {out_dir.relative_to(ROOT)}; failed: {failed or 'none'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
