"""Delivery throughput and lag of the regional-platform push on PostgreSQL, against a baseline
measured in the same run, all against the fake platform on loopback.

    .venv/bin/python bench/dataout.py [--messages 2000] [--load 2000] [--producers 4] [--relays 1] \
        [--concurrency 4] [--batch-size 50] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database (``haochaping_bench_dataout``), migrates it, starts
``haochaping fake-platform`` on a free loopback port, then prints JSON lines:

- ``setup``: N ratings stored through ``rating_submit`` (each writes its outbox row in its own
  transaction); ``per_s`` is what the producer side sustains with the outbox on;
- ``baseline_raw_http``: the same N wire records (other record ids) POSTed straight to the fake
  platform with the same transport and concurrency, no outbox: the ceiling set by the platform
  and HTTP on this machine;
- ``outbox_backlog``: ``--relays`` relay processes (``dataout-relay --batch``) drain the N queued
  messages; ``msgs_per_s`` is N over first claim to last delivery (from the attempt rows, so
  process start-up is not counted);
- ``under_load``: one relay running while ``--producers`` threads of this process store
  ``--load`` more ratings as fast as they can; ``lag`` = delivered_at - queued_at (the outbox
  row's insert, inside the rating's transaction) and ``after_commit`` = delivered_at - the moment
  ``rating_submit`` returned (its transaction committed), p50 / p95 / max seconds.
The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "haochaping_bench_dataout"


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--load", type=int, default=2000)
    parser.add_argument(
        "--producers", type=int, default=4, help="threads storing ratings under load"
    )
    parser.add_argument("--relays", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    n = args.messages

    import psycopg

    parts = urlsplit(args.admin_url)
    bench_url = urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="hcp-bench-dataout-"))
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "HAOCHAPING_LOG_LEVEL": "WARNING",
        "HAOCHAPING_DATA_DIR": str(tmp / "data"),
        "HAOCHAPING_DATAOUT_URL": f"http://127.0.0.1:{port}",
        "HAOCHAPING_DATAOUT_KICK_JOB": "0",
    }
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "haochaping", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        port_file = tmp / "port"
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "haochaping",
                    "fake-platform",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(tmp / "platform"),
                    "--port-file",
                    str(port_file),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        )
        while not port_file.exists():
            time.sleep(0.05)
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        import datetime as dt

        from django.db import close_old_connections, connection
        from django.db.models import Max, Min

        from haochaping.core.clock import now
        from haochaping.dataout.adapters import get_adapter, get_transport
        from haochaping.dataout.enums import MessageStatus
        from haochaping.dataout.models import OutboxAttempt, OutboxMessage
        from haochaping.ratings.enums import Channel, Level
        from haochaping.ratings.services import rating_submit
        from haochaping.testing.builders import build_org_tree, make_case

        server = connection.cursor().connection.info.parameter_status("server_version")
        emit(
            bench="dataout",
            messages=n,
            load=args.load,
            relays=args.relays,
            concurrency=args.concurrency,
            batch_size=args.batch_size,
            postgresql=server,
            python=sys.version.split()[0],
        )
        tree = build_org_tree()
        levels = list(Level)

        committed: dict = {}

        def store_ratings(count: int) -> float:
            start = time.perf_counter()
            for i in range(count):
                done = now() - dt.timedelta(hours=1)
                case = make_case(tree, accepted_at=done - dt.timedelta(days=1), completed_at=done)
                level = Level.DISSATISFIED if i % 10 == 9 else levels[i % 3]  # 1 in 10 is bad
                result = rating_submit(
                    case=case,
                    level=level,
                    channel=Channel.EVALUATOR,
                    assessed_at=now(),
                    text="差" if level in Level.bad_levels() else "",
                )
                committed[result.rating.receipt] = now()  # returned: its transaction committed
            return time.perf_counter() - start

        # --- setup: N ratings, each with its outbox row -----------------------------------------
        elapsed = store_ratings(n)
        emit(
            step="setup",
            ratings=n,
            seconds=round(elapsed, 3),
            per_s=round(n / elapsed, 1),
            outbox_rows=OutboxMessage.objects.count(),
        )

        # --- baseline: the same wire records straight to the platform ---------------------------
        adapter, transport = get_adapter(), get_transport()
        requests = []
        for m in OutboxMessage.objects.order_by("id"):
            req = adapter.build(topic=m.topic, record_id="B" + m.record_id, payload=m.payload)
            requests.append((req, "B" + m.record_id))
        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(
                pool.map(lambda r: adapter.send(transport, r[0], record_id=r[1]), requests)
            )
        elapsed = time.perf_counter() - start
        ok = sum(1 for r in results if r.outcome == "delivered")
        emit(
            step="baseline_raw_http",
            n=len(requests),
            delivered=ok,
            seconds=round(elapsed, 3),
            msgs_per_s=round(len(requests) / elapsed, 1),
        )
        transport.close()

        # --- outbox backlog: relays drain N queued messages ----------------------------------
        relay_cmd = [
            sys.executable,
            "-m",
            "haochaping",
            "dataout-relay",
            "--interval",
            "0.05",
            "--concurrency",
            str(args.concurrency),
            "--batch-size",
            str(args.batch_size),
        ]
        start = time.perf_counter()
        relays = [
            subprocess.Popen(
                [*relay_cmd, "--batch", "--worker-id", f"bench-{i}"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            for i in range(args.relays)
        ]
        for proc in relays:
            proc.wait()
        wall = time.perf_counter() - start
        close_old_connections()
        span = OutboxAttempt.objects.aggregate(a=Min("started_at"), b=Max("message__delivered_at"))
        seconds = (span["b"] - span["a"]).total_seconds()
        delivered = OutboxMessage.objects.filter(status=MessageStatus.DELIVERED).count()
        emit(
            step="outbox_backlog",
            n=n,
            delivered=delivered,
            relays=args.relays,
            seconds=round(seconds, 3),
            msgs_per_s=round(delivered / seconds, 1),
            wall_s=round(wall, 3),
        )

        # --- under load: a relay runs while ratings keep coming ------------------------------
        relay_log = (tmp / "relay-live.log").open("w")
        relay = subprocess.Popen(
            [*relay_cmd, "--worker-id", "bench-live"],
            cwd=ROOT,
            env=env,
            stdout=relay_log,
            stderr=subprocess.STDOUT,
        )
        procs.append(relay)
        time.sleep(2)  # start-up
        first_new = OutboxMessage.objects.aggregate(m=Max("id"))["m"] or 0
        share = args.load // args.producers

        def producer() -> None:
            store_ratings(share)
            close_old_connections()

        started = time.perf_counter()
        threads = [threading.Thread(target=producer) for _ in range(args.producers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        produce_seconds = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while (
            OutboxMessage.objects.filter(id__gt=first_new)
            .exclude(status=MessageStatus.DELIVERED)
            .exists()
        ):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=30)
        rows = list(
            OutboxMessage.objects.filter(
                id__gt=first_new, status=MessageStatus.DELIVERED
            ).values_list("created_at", "delivered_at", "payload__level", "payload__receipt")
        )
        after_commit = [
            (d - committed[r]).total_seconds() for _c, d, _l, r in rows if r in committed
        ]
        lags = [(d - c).total_seconds() for c, d, _level, _r in rows]
        # A bad review's transaction also opens its rectification (deadlines, notifications): its
        # outbox row is stamped at the rating's insert, so its lag includes that commit time.
        good = [
            (d - c).total_seconds() for c, d, level, _r in rows if level not in Level.bad_levels()
        ]
        bad = [(d - c).total_seconds() for c, d, level, _r in rows if level in Level.bad_levels()]
        emit(
            step="under_load",
            produced=share * args.producers,
            producers=args.producers,
            produce_per_s=round(share * args.producers / produce_seconds, 1),
            relay_log=str(tmp / "relay-live.log"),
            delivered=len(rows),
            lag_p50_s=round(percentile(lags, 0.5), 3),
            lag_p95_s=round(percentile(lags, 0.95), 3),
            lag_max_s=round(max(lags), 3),
            after_commit_p50_s=round(percentile(after_commit, 0.5), 3),
            after_commit_p95_s=round(percentile(after_commit, 0.95), 3),
            after_commit_max_s=round(max(after_commit), 3),
            good_lag_p50_s=round(percentile(good, 0.5), 3),
            good_lag_p95_s=round(percentile(good, 0.95), 3),
            bad_lag_p50_s=round(percentile(bad, 0.5), 3) if bad else None,
            bad_lag_p95_s=round(percentile(bad, 0.95), 3) if bad else None,
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_control", timeout=10) as resp:
            stats = json.loads(resp.read())["stats"]
        emit(step="platform", **stats)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=15)
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
