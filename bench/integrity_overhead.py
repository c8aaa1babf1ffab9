"""What the integrity checks cost the rating pipeline, on PostgreSQL (issue 12: goal ≤ 20%).

    .venv/bin/python bench/integrity_overhead.py [--seconds 10] [--rounds 3] [--clients 3]
        [--mobiles distinct,same] [--micro-ratings 0] [--skip-http]
        [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database (``haochaping_bench_integrity_<pid>``), migrates it, builds the org tree
and completed cases the way ``bench/ingest.py`` does, then prints JSON lines:

- ``per_request`` (one line per round, mode and switch): two gunicorn servers (2 gthread
  workers each, as in the ingest benchmark), one with the checks on and one with
  ``HAOCHAPING_INTEGRITY_ENABLED=0``, loaded one at a time with signed
  ``POST /api/v1/ratings`` (the ingest benchmark's payload: hall tablet channel, top level,
  short text, each request a new case). Rounds interleave off/on so drift hits both. Modes:
  ``distinct`` = a new mobile number per request (no check fires: the ordinary case);
  ``same`` = the ingest benchmark's one mobile number on every request (the velocity check
  flags every rating: a review, a flag and a timeline row are written each time).
- ``per_request_summary`` per mode: requests/s off and on over all rounds and
  ``overhead`` = rps_off / rps_on - 1 (added time per request; goal ≤ 0.20).
- ``micro`` (with ``--micro-ratings N``): in-process, ``check_rating`` alone on the last
  weekday of a realistic history (``integrity evaluate``'s labelled traffic over 14 days,
  5 units, every channel, injected patterns included), per rating kind: ms and SQL queries
  per call; and ``rating_submit`` on/off in-process (``haochaping.integrity.benchmark``).
  Less sensitive to the machine's load than the HTTP figure.
The assessment time is the last weekday at 11:00 Lhasa time, so the run does not depend on
the hour it is started at (after hours, every tablet rating would also be flagged).
The scratch database is dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DB_NAME = f"haochaping_bench_integrity_{os.getpid()}"  # concurrent runs never collide
sys.path.insert(0, str(ROOT))

from bench.ingest import emit, start_gunicorn  # noqa: E402 - after the path is set
from bench.scratchdb import scratch_database  # noqa: E402


def _client_loop(
    base,
    app_id,
    secret,
    project_nos,
    task_code,
    assess,
    mobile_mode,
    tag,
    start_at,
    warm_until,
    stop_at,
    out,
):
    import requests

    from haochaping.integration.signing import signed_headers

    session = requests.Session()
    ok = bad = 0
    path = "/api/v1/ratings"
    while time.time() < start_at:
        time.sleep(0.001)
    for i, project_no in enumerate(project_nos):
        now = time.time()
        if now >= stop_at:
            break
        mobile = "13900000000" if mobile_mode == "same" else f"13{tag}{i:06d}"
        body = json.dumps(
            {
                "projectNo": project_no,
                "taskCode": task_code,
                "pf": 4,
                "satisfaction": 5,
                "evalDetail": "510,517",
                "writingEvaluation": "办事效率高",
                "assessTime": assess,
                "assessNumber": 1,
                "userProp": "1",
                "userName": "卓玛",
                "mobile": mobile,
                "idempotencyKey": str(uuid.uuid4()),
            },
            ensure_ascii=False,
        ).encode()
        headers = signed_headers(app_id, secret, "POST", path, body)
        headers["Content-Type"] = "application/json"
        response = session.post(base + path, data=body, headers=headers, timeout=30)
        if now >= warm_until:
            if response.status_code == 201:
                ok += 1
            else:
                bad += 1
                if bad <= 3:
                    sys.stderr.write(f"{response.status_code} {response.text[:300]}\n")
    else:
        sys.stderr.write("ran out of cases\n")
    out.put((ok, bad))


def run_load(
    base, client, secret, numbers, task_code, assess, mode, tag, *, clients, warmup, seconds
):
    out: mp.Queue = mp.Queue()
    start_at = time.time() + 0.5
    warm_until, stop_at = start_at + warmup, start_at + warmup + seconds
    procs = [
        mp.Process(
            target=_client_loop,
            args=(
                base,
                client.app_id,
                secret,
                numbers[c::clients],
                task_code,
                assess,
                mode,
                f"{tag}{c}",
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
    results = [out.get(timeout=seconds + warmup + 120) for _p in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def start_server(env: dict, enabled: bool) -> tuple[subprocess.Popen, str]:
    return start_gunicorn({**env, "HAOCHAPING_INTEGRITY_ENABLED": "1" if enabled else "0"})


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def per_request(args, env) -> None:
    from django.db import connections

    from haochaping.integration.services import integration_client_create
    from haochaping.integrity.benchmark import completed_cases, office_moment
    from haochaping.testing.builders import build_org_tree

    tree = build_org_tree()
    item = tree.items["id_card"]
    assess_at = office_moment()
    modes = args.mobiles.split(",")
    runs = args.rounds * len(modes) * 2
    per_run = int(args.max_rps * (args.seconds + args.warmup)) + 100
    done = assess_at - dt.timedelta(hours=2)
    t0 = time.monotonic()
    completed_cases(item, done, [f"BI-{n:08d}" for n in range(runs * per_run)])
    emit(step="fixture", cases=runs * per_run, seconds=round(time.monotonic() - t0, 1))
    client, secret = integration_client_create(name="bench-integrity", scope_code="540100")
    connections.close_all()
    servers = {}
    try:
        for enabled in (False, True):
            servers[enabled] = start_server(env, enabled)
        assess = assess_at.strftime("%Y-%m-%d %H:%M:%S")
        totals = {(m, e): [0, 0.0] for m in modes for e in (False, True)}
        run = 0
        for round_no in range(1, args.rounds + 1):
            for mode in modes:
                for enabled in (False, True):
                    numbers = [f"BI-{n:08d}" for n in range(run * per_run, (run + 1) * per_run)]
                    ok, bad = run_load(
                        servers[enabled][1],
                        client,
                        secret,
                        numbers,
                        item.task_code,
                        assess,
                        mode,
                        f"{run:02d}",
                        clients=args.clients,
                        warmup=args.warmup,
                        seconds=args.seconds,
                    )
                    run += 1
                    totals[mode, enabled][0] += ok
                    totals[mode, enabled][1] += args.seconds
                    emit(
                        bench="per_request",
                        mode=mode,
                        checks="on" if enabled else "off",
                        round=round_no,
                        requests=ok,
                        errors=bad,
                        rps=round(ok / args.seconds, 1),
                        load_average=load_average(),
                    )
        for mode in modes:
            off = totals[mode, False][0] / totals[mode, False][1]
            on = totals[mode, True][0] / totals[mode, True][1]
            emit(
                bench="per_request_summary",
                mode=mode,
                rps_off=round(off, 1),
                rps_on=round(on, 1),
                ms_per_request_off=round(1000 / off * args.clients, 2),
                ms_per_request_on=round(1000 / on * args.clients, 2),
                overhead=round(off / on - 1, 3),
                goal=0.2,
                database="postgresql",
                server_workers=2,
                clients=args.clients,
                load_average=load_average(),
            )
    finally:
        for server, _base in servers.values():
            server.terminate()
            server.wait(timeout=30)


def micro(args) -> None:
    from haochaping.integrity.benchmark import check_rating_cost, measure

    for row in check_rating_cost(ratings=args.micro_ratings):
        emit(bench="micro_check_rating", **row, load_average=load_average())
    for distinct in (True, False):
        result = measure(ratings=args.micro_submit, rounds=args.rounds, distinct_mobiles=distinct)
        emit(
            bench="micro_rating_submit",
            mode="distinct" if distinct else "same",
            **result,
            load_average=load_average(),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--max-rps", type=int, default=600, help="cases made per run")
    parser.add_argument("--mobiles", default="distinct,same")
    parser.add_argument(
        "--micro-ratings",
        type=int,
        default=0,
        help="check_rating calls timed on the realistic history (0: skip)",
    )
    parser.add_argument(
        "--micro-submit",
        type=int,
        default=200,
        help="rating_submit calls per in-process round (with --micro-ratings)",
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    # The servers inherit this process's environment, set up by scratch_database.
    os.environ["HAOCHAPING_LOG_LEVEL"] = "ERROR"
    os.environ["HAOCHAPING_DEBUG"] = "0"
    with scratch_database("postgresql", name=DB_NAME, admin_url=args.admin_url, keep=args.keep):
        emit(
            step="start",
            load_average=load_average(),
            git=subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
        )
        if not args.skip_http:
            per_request(args, dict(os.environ))
        if args.micro_ratings:
            micro(args)


if __name__ == "__main__":
    main()
