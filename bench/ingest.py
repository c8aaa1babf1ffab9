"""Rating ingest on PostgreSQL: per-request rate of the signed API, and bulk import.

    .venv/bin/python bench/ingest.py [--seconds 15] [--clients 3] [--import-records 200000]
                                     [--per-request-only | --import-only] [--load citizens]
                                     [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database (``--db-name``, default ``haochaping_bench_ingest``) with
``bench/scratchdb.scratch_database`` (migrated; its own data directory), builds an org tree and
enough completed cases (bulk-inserted: this is fixture volume, not the code under test), then
prints JSON lines:

- ``per_request`` (one line per endpoint and round): one gunicorn server, 2 workers (gthread,
  keep-alive), the same load generator (``--clients`` processes, each a keep-alive
  ``requests.Session`` signing every request) against
  * ``bare``: ``POST /api/v1/bench/bare`` — signed (same HMAC auth and nonce insert), then one
    row inserted; only mounted with HAOCHAPING_BENCH_ENDPOINTS=1;
  * ``ratings``: ``POST /api/v1/ratings`` — the whole pipeline (schema, case lookup in scope,
    validation, rating insert with its rollup count, the data-out outbox row, the coverage and
    integrity hooks, in one transaction), each request a new case.
  Rounds alternate bare/ratings so drift hits both; every response must be 201. ``--load``
  says who rates: ``citizens`` (default; each rating its own mobile, app channel pf 2) or
  ``one-phone`` (one mobile for all, hall evaluator pf 4: integrity flags every rating from
  the 5th on, see ``LOADS``). Each line also has ``cpu_ms_per_request``: CPU time of the
  server's workers, the database backends and the load generator in the measured window.
- ``per_request_summary``: both rates over all rounds and ``ratio`` = ratings / bare (goal ≥ 0.5);
  ``cpu_ratio_all`` (and ``cpu_ratio_server_db``) = bare / ratings CPU per request: what the
  rate ratio is when the benchmark has the CPUs to itself (the machine is often shared).
- ``bulk_import_baseline``: the same JSON lines parsed and COPied into a plain table (no
  checks, indexes or triggers), committed per chunk of the same size, in the same database;
- ``bulk_import``: ``haochaping ratings import FILE`` of N JSON lines on the COPY fast path;
  ``records_per_s`` from the command's own timer (excludes Python/Django start-up),
  ``--import-connections N`` passes ``--connections N`` (database connections at once),
  ``wall_records_per_s`` including start-up (goal ≥ 20,000/s), and ``ratio`` to the baseline.
  ``--import-only`` skips the per-request part, ``--per-request-only`` the bulk import.
  ``--bad-every N``: every Nth line is a bad review (default 10,000, as in every earlier
  figure; 33 gives the 3 % bad reviews of ``bench/province.py``), each opening its
  rectification in the import's transaction and telling the unit's designated handler (an
  inbox message and an SMS; the fixture has one, since 2026-11-30).
The scratch database is dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.scratchdb import scratch_database  # noqa: E402


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- load generator (child processes) -------------------------------------------------------


# What the rating requests look like (``--load``):
# - citizens: each rating from its own citizen (own mobile), through the mobile app channel
#   (pf 2): the everyday path, no integrity check fires whatever the time of day;
# - one-phone: every rating from one mobile through the hall evaluator (pf 4), as before
#   2026-11-29: from the 5th request on the velocity check flags every rating, and outside
#   office hours the on-site after-hours check too (review, flags, timeline and audit rows).
LOADS = ("citizens", "one-phone")


def _client_loop(
    kind, load, base, app_id, secret, project_nos, task_code, start_at, warm_until, stop_at, out
):
    import requests

    from haochaping.integration.signing import signed_headers

    session = requests.Session()
    ok = bad = 0
    i = 0
    cpu_at_warm = None
    assess = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8) - dt.timedelta(minutes=5)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    path = "/api/v1/bench/bare" if kind == "bare" else "/api/v1/ratings"
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        now = time.time()
        if now >= stop_at:
            break
        if kind == "bare":
            body = b"{}"
        else:
            body = json.dumps(
                {
                    "projectNo": project_nos[i],
                    "taskCode": task_code,
                    "pf": 4 if load == "one-phone" else 2,
                    "satisfaction": 5,
                    "evalDetail": "510,517",
                    "writingEvaluation": "办事效率高",
                    "assessTime": assess,
                    "assessNumber": 1,
                    "userProp": "1",
                    "userName": "卓玛",
                    "mobile": (
                        "13900000000" if load == "one-phone" else "139" + project_nos[i][-8:]
                    ),
                    "idempotencyKey": str(uuid.uuid4()),
                },
                ensure_ascii=False,
            ).encode()
            i += 1
        headers = signed_headers(app_id, secret, "POST", path, body)
        headers["Content-Type"] = "application/json"
        response = session.post(base + path, data=body, headers=headers, timeout=30)
        if now >= warm_until:
            if cpu_at_warm is None:
                cpu_at_warm = time.process_time()
            if response.status_code == 201:
                ok += 1
            else:
                bad += 1
                if bad <= 3:
                    sys.stderr.write(f"{kind} {response.status_code} {response.text[:300]}\n")
    out.put((ok, bad, time.process_time() - (cpu_at_warm or time.process_time())))


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU time of each of these processes so far (from /proc)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime+stime
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two samples. A process that started in between counts whole (a
    server thread's database connection is replaced after CONN_MAX_AGE, 60 s: before this was
    counted, such a round showed 0.0 ms of database time); one that ended in between is lost
    with its time since the first sample."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def run_load(
    kind,
    base,
    app_id,
    secret,
    cases_per_client,
    task_code,
    *,
    clients,
    warmup,
    seconds,
    server_pids=lambda: [],
    db_pids=lambda: [],
    load="citizens",
):
    """Rate over the measured seconds, and CPU seconds spent in that window by the server's
    workers, the database backends and the load generator (for ratios on a loaded machine)."""
    out: mp.Queue = mp.Queue()
    start_at = time.time() + 0.5
    warm_until = start_at + warmup
    stop_at = warm_until + seconds
    procs = [
        mp.Process(
            target=_client_loop,
            args=(
                kind,
                load,
                base,
                app_id,
                secret,
                cases_per_client[c],
                task_code,
                start_at,
                warm_until,
                stop_at,
                out,
            ),
        )
        for c in range(clients)
    ]
    for p in procs:
        p.start()
    time.sleep(max(0.0, warm_until - time.time()))
    cpu0 = (cpu_seconds(server_pids()), cpu_seconds(db_pids()))
    time.sleep(max(0.0, stop_at - time.time()))
    cpu1 = (cpu_seconds(server_pids()), cpu_seconds(db_pids()))
    results = [out.get(timeout=seconds + warmup + 120) for _p in procs]
    for p in procs:
        p.join()
    ok = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    cpu = {
        "server": cpu_spent(cpu0[0], cpu1[0]),
        "db": cpu_spent(cpu0[1], cpu1[1]),
        "client": sum(r[2] for r in results),
    }
    return ok / seconds, ok, bad, cpu


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="measured seconds per round and endpoint"
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--import-records", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument(
        "--import-connections",
        type=int,
        default=None,
        help="the import's --connections (default: the command's, 2)",
    )
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--db-name", default="haochaping_bench_ingest", help="scratch database")
    parser.add_argument(
        "--import-only", action="store_true", help="skip the per-request part (bulk import only)"
    )
    parser.add_argument(
        "--load",
        choices=LOADS,
        default="citizens",
        help="rating requests: each from its own citizen, or all from one phone (see LOADS)",
    )
    parser.add_argument(
        "--per-request-only", action="store_true", help="skip the bulk import (per-request only)"
    )
    parser.add_argument(
        "--bad-every",
        type=int,
        default=10_000,
        help="every Nth import line is a bad review (default 10000: 0.01 %%; 33 is about the "
        "3 %% of bench/province.py); each opens a rectification in the import's transaction",
    )
    parser.add_argument(
        "--diagnose-triggers",
        action="store_true",
        help="also import once more with other apps' triggers on the ratings tables disabled",
    )
    args = parser.parse_args()

    # This run's own data directory (the import file goes there too), and what the servers and
    # the import command need; they inherit this environment, set before Django starts.
    data_dir = Path(tempfile.mkdtemp(prefix=f"{args.db_name}-"))
    os.environ.update(
        HAOCHAPING_DATA_DIR=str(data_dir), HAOCHAPING_BENCH_ENDPOINTS="1", HAOCHAPING_DEBUG="0"
    )
    scratch = ExitStack()
    try:
        bench_url = scratch.enter_context(
            scratch_database(
                "postgresql", name=args.db_name, admin_url=args.admin_url, keep=args.keep
            )
        )
        env = dict(os.environ)
        from django.db import connections

        from haochaping.cases.enums import ApplicantType, ApplyChannel, CaseStatus
        from haochaping.cases.models import Case
        from haochaping.core.clock import now
        from haochaping.integration.services import integration_client_create
        from haochaping.testing.builders import build_org_tree

        tree = build_org_tree()
        item = tree.items["id_card"]
        expected_rps_max = 1000  # per-request cases needed: one per rating request
        per_request_cases = (
            0
            if args.import_only
            else int(expected_rps_max * (args.seconds + args.warmup) * args.rounds) + 1000
        )
        import_records = 0 if args.per_request_only else args.import_records
        total_cases = per_request_cases + import_records
        done = now() - dt.timedelta(hours=2)
        t0 = time.monotonic()
        batch = []
        for n in range(total_cases):
            batch.append(
                Case(
                    project_no=f"BENCH-{n:08d}",
                    item=item,
                    unit=item.unit,
                    applicant_type=ApplicantType.PERSON,
                    applicant_name="卓玛",
                    apply_channel=ApplyChannel.WINDOW,
                    status=CaseStatus.COMPLETED,
                    accepted_at=done - dt.timedelta(days=1),
                    completed_at=done,
                )
            )
            if len(batch) == 20_000:
                Case.objects.bulk_create(batch)
                batch = []
        if batch:
            Case.objects.bulk_create(batch)
        emit(step="fixture", cases=total_cases, seconds=round(time.monotonic() - t0, 1))
        # the unit's bad-review handler, as every real unit has one: each bad review's
        # rectification is assigned to them (inbox message and SMS, in the import's transaction)
        from haochaping.accounts.enums import Role
        from haochaping.notifications.models import NotificationPreference
        from haochaping.rectification.models import HandlerDesignation
        from haochaping.testing.builders import make_user

        handler = make_user("bench-handler", Role.HANDLER, scope_unit=item.unit)
        NotificationPreference.objects.create(user=handler, mobile="13900000000")
        HandlerDesignation.objects.create(unit=item.unit, user=handler)
        client, secret = integration_client_create(name="bench", scope_code="540100")
        connections.close_all()

        if not args.import_only:
            per_request(args, env, client, secret, item, per_request_cases)

        # --- bulk import --------------------------------------------------------------
        if not args.per_request_only:
            bulk_import(args, env, data_dir, bench_url, item, per_request_cases, now)
    finally:
        scratch.close()  # closes Django's connections, drops the database unless --keep
        shutil.rmtree(data_dir, ignore_errors=True)


def start_gunicorn(env: dict, *, workers: int = 2) -> tuple[subprocess.Popen, str]:
    """A gunicorn server on a free loopback port; returns once it answers ``/api/v1/meta``."""
    import requests

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "haochaping.wsgi:application",
            *("--workers", str(workers), "--worker-class", "gthread", "--threads", "2"),
            *("--keep-alive", "30", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _i in range(300):
        try:
            requests.get(base + "/api/v1/meta", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.1)
    return server, base


def per_request(args, env, client, secret, item, per_request_cases) -> None:
    """Bare vs full signed POST on one gunicorn server, rounds alternating."""
    server = None
    try:
        server, base = start_gunicorn(env)
        numbers = [f"BENCH-{n:08d}" for n in range(per_request_cases)]
        clients = args.clients
        totals = {"bare": [0, 0.0], "ratings": [0, 0.0]}
        cpu_totals = {kind: {"server": 0.0, "db": 0.0, "client": 0.0} for kind in totals}

        def server_pids() -> list[int]:
            path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
            return [int(pid) for pid in path.read_text().split()]

        def db_pids() -> list[int]:
            import psycopg

            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                rows = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    [args.db_name],
                ).fetchall()
            return [row[0] for row in rows]

        offset = 0
        for round_no in range(1, args.rounds + 1):
            for kind in ("bare", "ratings"):
                share = (
                    numbers[offset : offset + per_request_cases // args.rounds]
                    if kind == "ratings"
                    else []
                )
                if kind == "ratings":
                    offset += per_request_cases // args.rounds
                per_client = [share[c::clients] for c in range(clients)]
                rps, ok, bad, cpu = run_load(
                    kind,
                    base,
                    client.app_id,
                    secret,
                    per_client,
                    item.task_code,
                    clients=clients,
                    warmup=args.warmup,
                    seconds=args.seconds,
                    server_pids=server_pids,
                    db_pids=db_pids,
                    load=args.load,
                )
                totals[kind][0] += ok
                totals[kind][1] += args.seconds
                for part, seconds in cpu.items():
                    cpu_totals[kind][part] += seconds
                emit(
                    bench="per_request",
                    endpoint=kind,
                    round=round_no,
                    requests=ok,
                    errors=bad,
                    seconds=args.seconds,
                    rps=round(rps, 1),
                    load=args.load if kind == "ratings" else None,
                    cpu_ms_per_request={
                        part: round(1000 * seconds / max(ok, 1), 2) for part, seconds in cpu.items()
                    },
                    server_workers=2,
                    clients=clients,
                )
        bare_rps = totals["bare"][0] / totals["bare"][1]
        ratings_rps = totals["ratings"][0] / totals["ratings"][1]
        # CPU time per request is steadier than the rate when other work shares the machine:
        # its ratio is what the rate ratio would be with the CPUs to ourselves.
        cpu_ms = {
            kind: {
                part: 1000 * seconds / max(totals[kind][0], 1)
                for part, seconds in cpu_totals[kind].items()
            }
            for kind in totals
        }
        emit(
            bench="per_request_summary",
            bare_rps=round(bare_rps, 1),
            ratings_rps=round(ratings_rps, 1),
            ratio=round(ratings_rps / bare_rps, 3),
            goal=0.5,
            load=args.load,
            cpu_ms_per_request={
                kind: {part: round(v, 2) for part, v in parts.items()}
                for kind, parts in cpu_ms.items()
            },
            cpu_ratio_server_db=round(
                (cpu_ms["bare"]["server"] + cpu_ms["bare"]["db"])
                / (cpu_ms["ratings"]["server"] + cpu_ms["ratings"]["db"]),
                3,
            ),
            cpu_ratio_all=round(sum(cpu_ms["bare"].values()) / sum(cpu_ms["ratings"].values()), 3),
            database="postgresql",
            server_workers=2,
            load_average=os.getloadavg(),
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine: do not leave it running
                server.kill()
                server.wait()


def bare_copy(bench_url: str, path: Path, chunk_size: int) -> dict:
    """The baseline: the same JSON lines parsed and COPied into a plain table, committed per chunk
    of the same size, in the same database. No checks, no indexes, no triggers."""
    import psycopg

    cols = [
        "projectNo",
        "taskCode",
        "pf",
        "satisfaction",
        "evalDetail",
        "writingEvaluation",
        "assessTime",
        "assessNumber",
        "userProp",
        "userName",
        "mobile",
    ]
    t0 = time.monotonic()
    n = 0
    with psycopg.connect(bench_url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare_copy")
        conn.execute(
            "CREATE TABLE bench_bare_copy (line_no integer, project_no text, task_code text, "
            "pf text, satisfaction text, eval_detail text, writing text, assess_time text, "
            "assess_number text, user_prop text, user_name text, mobile text)"
        )
        conn.commit()
        t0 = time.monotonic()
        with path.open(encoding="utf-8") as f:
            done = False
            while not done:
                with conn.cursor() as cur, cur.copy("COPY bench_bare_copy FROM STDIN") as copy:
                    for _k in range(chunk_size):
                        line = f.readline()
                        if not line:
                            done = True
                            break
                        n += 1
                        r = json.loads(line)
                        copy.write_row((n, *(r.get(c) for c in cols)))
                conn.commit()
        seconds = time.monotonic() - t0
        conn.execute("DROP TABLE bench_bare_copy")
        conn.commit()
    return {"records": n, "seconds": round(seconds, 3), "records_per_s": round(n / seconds)}


def bulk_import(args, env, data_dir, bench_url, item, per_request_cases, now) -> dict:
    assess = (now() - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assess_s = assess.strftime("%Y-%m-%d %H:%M:%S")
    path = data_dir / "bench-import.jsonl"
    levels = [(5, "510,517"), (5, "513"), (4, "413"), (4, "406,411"), (3, "314")]
    with path.open("w", encoding="utf-8") as f:
        for k in range(args.import_records):
            sat, codes = levels[k % len(levels)]
            if k % args.bad_every == args.bad_every - 1:
                sat, codes = 2, "214"
            record = {
                "projectNo": f"BENCH-{per_request_cases + k:08d}",
                "taskCode": item.task_code,
                "pf": 1 + k % 7,
                "satisfaction": sat,
                "evalDetail": codes,
                "writingEvaluation": "",
                "assessTime": assess_s,
                "assessNumber": 1,
                "userProp": "1",
                "userName": "卓玛",
                "mobile": f"139{k % 100_000_000:08d}",
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def run_import(label: str) -> dict:
        for suffix in (".checkpoint", ".errors.jsonl"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        t0 = time.monotonic()
        result = subprocess.run(
            [
                str(BIN / "haochaping"),
                "ratings",
                "import",
                str(path),
                "--no-progress",
                "--chunk-size",
                str(args.chunk_size),
                *(
                    ("--connections", str(args.import_connections))
                    if args.import_connections
                    else ()
                ),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - t0
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        return {
            "bench": label,
            "records": args.import_records,
            "imported": summary["imported"],
            "failed": summary["failed"],
            "seconds": summary["seconds"],
            "records_per_s": summary["records_per_second"],
            "wall_seconds": round(wall, 2),
            "wall_records_per_s": round(args.import_records / wall),
            "fast_path": summary["fast_path"],
            "connections": args.import_connections or "default",
            "goal": 20000,
            "bad_every": args.bad_every,
            "database": "postgresql",
        }

    baseline = bare_copy(bench_url, path, args.chunk_size)
    emit(
        bench="bulk_import_baseline",
        what="bare COPY of the same lines into a plain table",
        **baseline,
    )
    result = run_import("bulk_import")
    result["baseline_records_per_s"] = baseline["records_per_s"]
    result["ratio"] = round(result["records_per_s"] / baseline["records_per_s"], 3)
    result["load_average"] = os.getloadavg()
    emit(**result)
    if args.diagnose_triggers:
        # Attribution only: the same import again with the triggers other apps put on the
        # ratings tables (e.g. results' summary counts) switched off. Not a product figure.
        from django.db import connection, connections

        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE ratings_ratingevent, ratings_rating, ratings_ratingrollup CASCADE"
            )
            cur.execute("ALTER TABLE ratings_rating DISABLE TRIGGER USER")
            cur.execute("ALTER TABLE ratings_ratingrollup DISABLE TRIGGER USER")
        connections.close_all()
        emit(**run_import("bulk_import_without_other_apps_triggers"))
    return result


if __name__ == "__main__":
    main()
