"""``make soak``: signed ratings at a fixed rate through database restarts, a killed worker and a
regional platform that is down, then a check that nothing was lost or doubled.

    SOAK_SECONDS=300 SOAK_RATE=4 .venv/bin/python bench/soak.py

Bounded, loopback only, stops by itself. Everything it runs is its own, in a temporary directory:

1. a PostgreSQL 15 cluster (``initdb`` + ``pg_ctl`` from /usr/lib/postgresql/15/bin) on a free
   port — never the machine's PostgreSQL on 5432 — migrated, with an org tree, ``rate x seconds``
   completed cases and one integration client;
2. gunicorn (2 workers) and ``haochaping worker``; the regional platform stand-in
   (``haochaping fake-platform``) is NOT started: its port refuses connections for the whole
   rating phase;
3. SOAK_SECONDS of ``POST /api/v1/ratings`` at SOAK_RATE per second (SOAK_CLIENTS threads, one
   new case each, ~10 % bad ratings that open rectifications and notify), each with its own
   ``idempotencyKey``; connection errors and 5xx are retried with the same key (fresh nonce);
4. at 1/3 of the phase ``pg_ctl restart -m fast``; at 2/3 ``kill -9`` of the worker and a new one;
5. then the stand-in comes up; the outbox must drain and every job finish (bounded waits).

Checks (JSON summary on stdout and in bench/results/<UTC time>/soak.json; exit 1 on any failure):
ratings acknowledged (201, or 200 replay of the key) == ratings stored, every key answered, no
key stored twice, one rectification per acknowledged bad rating; every outbox message delivered,
the stand-in holding exactly those record ids with zero duplicate deliveries; no job left queued,
running or failed.

Settings used (environment of the started processes, so a 5-minute outage stays inside the retry
budget and recovery is observed within the run): dataout backoff 1 s base, 15 s cap, 1,000
attempts; job lease 20 s (a worker silent that long is dead and its jobs go back to the queue).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("SOAK_PG_BIN", "/usr/lib/postgresql/15/bin"))
sys.path.insert(0, str(ROOT))

SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
RATE = float(os.environ.get("SOAK_RATE", "4"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "4"))
BAD_EVERY = 10  # one rating in ten is a bad one
DRAIN_TIMEOUT = float(os.environ.get("SOAK_DRAIN_TIMEOUT", "300"))
KEEP = os.environ.get("SOAK_KEEP") == "1"


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except Exception:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


class Cluster:
    """A throw-away PostgreSQL cluster of our own (trust auth, loopback, its own port).

    PostgreSQL refuses to run as root: as root, the cluster runs as the ``postgres`` OS user."""

    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.dir = base / "pgcluster"
        self.data, self.sock, self.log = self.dir / "data", self.dir / "sock", self.dir / "pg.log"
        self.sock.mkdir(parents=True)
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam("postgres")
            base.chmod(0o755)
            for path in (self.dir, self.sock):
                os.chown(path, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / program), *args], check=True, stdout=subprocess.DEVNULL
        )

    def ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self.ctl("-o", opts, "start")

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


class Rater:
    """Sends ratings at a fixed rate from client threads; retries with the same key."""

    def __init__(self, base_url: str, app_id: str, secret: str, records: list[dict]) -> None:
        self.base_url, self.app_id, self.secret = base_url, app_id, secret
        self.todo: queue.Queue = queue.Queue()
        self.records = records
        self.answers: dict[str, tuple[int, int | None]] = {}  # key -> (final status, rating id)
        self.retries: Counter[str] = Counter()
        self.lock = threading.Lock()

    def send(self, record: dict, give_up_at: float) -> None:
        import requests

        from haochaping.integration.signing import signed_headers

        body = json.dumps(record, ensure_ascii=False).encode()
        session = getattr(self.local, "session", None) or requests.Session()
        self.local.session = session
        while time.monotonic() < give_up_at:
            headers = signed_headers(self.app_id, self.secret, "POST", "/api/v1/ratings", body)
            headers["Content-Type"] = "application/json"
            try:
                r = session.post(
                    f"{self.base_url}/api/v1/ratings", data=body, headers=headers, timeout=30
                )
            except requests.RequestException as exc:
                with self.lock:
                    self.retries[type(exc).__name__] += 1
                session = self.local.session = requests.Session()
                time.sleep(0.5)
                continue
            if r.status_code >= 500:
                with self.lock:
                    self.retries[f"http_{r.status_code}"] += 1
                time.sleep(0.5)
                continue
            rating_id = r.json().get("id") if r.status_code in (200, 201) else None
            with self.lock:
                self.answers[record["idempotencyKey"]] = (r.status_code, rating_id)
                if r.status_code not in (200, 201):
                    log(f"rating {record['projectNo']}: {r.status_code} {r.text[:300]}")
            return

    def run(self, seconds: float) -> None:
        self.local = threading.local()
        give_up_at = time.monotonic() + seconds + 120

        def client() -> None:
            while True:
                record = self.todo.get()
                if record is None:
                    return
                self.send(record, give_up_at)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        start = time.monotonic()
        for i, record in enumerate(self.records):
            delay = start + i / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.todo.put(record)
        for _ in threads:
            self.todo.put(None)
        for t in threads:
            t.join(timeout=max(0.0, give_up_at - time.monotonic()) + 5)


def make_fixture(count: int) -> tuple[str, str, list[dict]]:
    """Org tree, calendar, ``count`` completed cases and a client; one record per case."""
    from haochaping.integration.services import integration_client_create
    from haochaping.ratings.tests.helpers import completed_case, record
    from haochaping.testing.builders import build_org_tree
    from haochaping.workdays.models import CalendarEntry
    from haochaping.workdays.services import calendar_load_shipped

    if not CalendarEntry.objects.exists():
        calendar_load_shipped()
    tree = build_org_tree()
    client, secret = integration_client_create(name="soak", scope_code="540100")
    records = []
    for i in range(count):
        case = completed_case(tree)
        overrides: dict = {"idempotencyKey": str(uuid.uuid4())}
        if i % BAD_EVERY == BAD_EVERY - 1:
            overrides |= {
                "satisfaction": 1,
                "evalDetail": "",
                "writingEvaluation": "等了很久没人管",
            }
        records.append(record(case, **overrides))
    return client.app_id, secret, records


def job_counts() -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def job_outcomes() -> dict:
    """Jobs by status; unfinished or failed ones, except a periodic job whose policy makes the next
    scheduled run its retry (max_attempts=1: deadline sweep, outbox drain ...), count as lost.
    Their work is checked on its own here: the outbox must still be delivered in full."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    from haochaping.jobs.periodic import periodic_jobs
    from haochaping.jobs.retry import policy_for

    periodic = {job.task_path for job in periodic_jobs()}
    lost, superseded = [], []
    for row in DBTaskResult.objects.exclude(status="SUCCESSFUL"):
        entry = {
            "task": row.task_path,
            "status": row.status,
            "exception": row.exception_class_path,
        }
        once = row.task_path in periodic and policy_for(import_string(row.task_path)).max_attempts
        (superseded if row.status == "FAILED" and once == 1 else lost).append(entry)
    return {"by_status": job_counts(), "lost": lost, "superseded_by_next_run": superseded}


def check(rater: Rater, records: list[dict], platform: dict) -> dict:
    from django.db.models import Count

    from haochaping.dataout.outbox import OutboxMessage
    from haochaping.ratings.models import Rating
    from haochaping.rectification.models import Rectification

    keys = {r["idempotencyKey"] for r in records}
    bad_keys = {r["idempotencyKey"] for r in records if r["satisfaction"] <= 2}
    acked = {k for k, (status, _) in rater.answers.items() if status in (200, 201)}
    statuses = Counter(status for status, _ in rater.answers.values())
    stored = Counter(
        Rating.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    ids_answered = {rid for _, rid in rater.answers.values() if rid}
    ids_stored = set(Rating.objects.filter(idempotency_key__in=keys).values_list("pk", flat=True))
    rect = Rectification.objects.filter(rating__idempotency_key__in=bad_keys & acked).count()
    outbox = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("pk")))
    outbox_ids = set(OutboxMessage.objects.values_list("record_id", flat=True))
    platform_ids = {r["recordId"] for r in platform["records"]}
    jobs = job_outcomes()
    summary = {
        "ratings_sent": len(records),
        "answers": dict(sorted(statuses.items())),
        "unanswered": len(keys - rater.answers.keys()),
        "acknowledged": len(acked),
        "stored": sum(stored.values()),
        "stored_total": Rating.objects.count(),
        "duplicate_keys": sum(1 for n in stored.values() if n > 1),
        "acknowledged_not_stored": len(acked - stored.keys()),
        "stored_not_acknowledged": len(stored.keys() - acked),
        "answered_ids_match": ids_answered == ids_stored,
        "bad_acknowledged": len(bad_keys & acked),
        "rectifications": rect,
        "client_retries": dict(rater.retries),
        "outbox": outbox,
        "platform": platform["stats"],
        "outbox_not_at_platform": len(outbox_ids - platform_ids),
        "platform_not_in_outbox": len(platform_ids - outbox_ids),
        "jobs": jobs,
    }
    failures = []
    if summary["unanswered"]:
        failures.append("ratings without a final answer")
    if summary["acknowledged"] != summary["stored"] or summary["stored_total"] != summary["stored"]:
        failures.append("acknowledged != stored")
    if summary["duplicate_keys"] or summary["acknowledged_not_stored"]:
        failures.append("duplicate or lost ratings")
    if not summary["answered_ids_match"]:
        failures.append("rating ids answered differ from rating ids stored")
    if statuses.keys() - {200, 201}:
        failures.append("ratings refused")
    if rect != summary["bad_acknowledged"]:
        failures.append("bad ratings without their rectification")
    if set(outbox) - {"delivered"} or not outbox_ids:
        failures.append("outbox not drained")
    if outbox_ids != platform_ids or platform["stats"]["duplicates"]:
        failures.append("platform does not hold every message exactly once")
    if jobs["lost"]:
        failures.append("jobs lost (left queued, running or failed)")
    summary["failures"] = failures
    summary["ok"] = not failures
    return summary


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="haochaping-soak-"))
    procs: dict[str, subprocess.Popen] = {}
    cluster = Cluster(base)
    events: list[dict] = []
    started = time.monotonic()

    def event(name: str, **fields) -> None:
        events.append({"t": round(time.monotonic() - started, 1), "event": name, **fields})
        log(f"{name} {fields if fields else ''}")

    platform_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "HAOCHAPING_DATA_DIR": str(base / "data"),
        "HAOCHAPING_LOG_LEVEL": "WARNING",
        "HAOCHAPING_DATAOUT_URL": f"http://127.0.0.1:{platform_port}",
        "HAOCHAPING_DATAOUT_BACKOFF_BASE_SECONDS": "1",
        "HAOCHAPING_DATAOUT_BACKOFF_MAX_SECONDS": "15",
        "HAOCHAPING_DATAOUT_MAX_ATTEMPTS": "1000",
        "HAOCHAPING_JOBS_LEASE_SECONDS": "20",
        "HAOCHAPING_JOBS_RECOVER_SECONDS": "5",
        "HAOCHAPING_SMS_BACKEND": "log",
    }

    def start(name: str, *args: str) -> None:
        out = open(base / f"{name}.log", "ab")
        procs[name] = subprocess.Popen(
            [str(BIN / "haochaping"), *args], cwd=ROOT, env=env, stdout=out, stderr=out
        )

    summary: dict = {"ok": False, "failures": ["soak did not complete"]}
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE soak")
        env["DATABASE_URL"] = cluster.url("soak")
        os.environ.update({k: v for k, v in env.items() if k.startswith(("HAOCHAPING", "DATA"))})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", verbosity=0)
        count = max(1, round(SECONDS * RATE))
        app_id, secret, records = make_fixture(count)
        connections.close_all()
        event("fixture", cases=count, pg_port=cluster.port)

        web = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "haochaping.wsgi:application",
                "--workers=2",
                f"--bind=127.0.0.1:{web_port}",
                "--log-level=warning",
                "--timeout=60",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(base / "gunicorn.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        procs["gunicorn"] = web
        start("worker-1", "worker")
        import requests

        wait_for(
            "gunicorn",
            lambda: requests.get(f"http://127.0.0.1:{web_port}/api/v1/meta", timeout=5).ok,
            90,
        )
        event("up", web_port=web_port, platform_port=platform_port, platform="down")

        rater = Rater(f"http://127.0.0.1:{web_port}", app_id, secret, records)
        phase = threading.Thread(target=rater.run, args=(SECONDS,), daemon=True)
        phase.start()
        phase_start = time.monotonic()

        time.sleep(max(0.0, phase_start + SECONDS / 3 - time.monotonic()))
        t = time.monotonic()
        cluster.ctl("restart", "-m", "fast")
        event("postgresql_restarted", seconds=round(time.monotonic() - t, 1))

        time.sleep(max(0.0, phase_start + 2 * SECONDS / 3 - time.monotonic()))
        running = job_counts().get("RUNNING", 0)
        connections.close_all()
        procs["worker-1"].send_signal(signal.SIGKILL)
        procs["worker-1"].wait()
        event("worker_killed", signal="SIGKILL", jobs_running=running)
        start("worker-2", "worker")
        event("worker_started")

        phase.join()
        event("rating_phase_done", answered=len(rater.answers), of=len(records))

        start(
            "platform",
            "fake-platform",
            "--port",
            str(platform_port),
            "--data-dir",
            str(base / "platform"),
        )
        wait_for(
            "platform",
            lambda: requests.get(f"http://127.0.0.1:{platform_port}/_health", timeout=5).ok,
            60,
        )
        event("platform_up")

        from haochaping.dataout.outbox import OutboxMessage

        def drained() -> bool:
            connections.close_all()
            pending = OutboxMessage.objects.exclude(status="delivered").count()
            jobs = job_counts()
            return pending == 0 and not {"READY", "RUNNING"} & jobs.keys()

        try:
            wait_for("outbox drained and jobs done", drained, DRAIN_TIMEOUT, every=2)
            event("drained")
        except TimeoutError as exc:
            event("drain_timeout", error=str(exc))
        platform = {
            "stats": requests.get(f"http://127.0.0.1:{platform_port}/_control", timeout=30).json()[
                "stats"
            ],
            "records": requests.get(
                f"http://127.0.0.1:{platform_port}/_records", timeout=60
            ).json()["records"],
        }
        summary = check(rater, records, platform)
        summary = {
            "scenario": "soak",
            "seconds": SECONDS,
            "rate_per_s": RATE,
            "clients": CLIENTS,
            **summary,
            "events": events,
            "wall_s": round(time.monotonic() - started, 1),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    finally:
        for name, proc in procs.items():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    log(f"{name} killed at teardown")
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may never have been set up
            pass
        try:
            cluster.ctl("stop", "-m", "immediate")
        except Exception as exc:
            log(f"could not stop the soak cluster: {exc}")
        if KEEP or not summary["ok"]:
            log(f"kept {base} (logs of every process)")
        else:
            shutil.rmtree(base, ignore_errors=True)

    out_dir = ROOT / "bench" / "results" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "soak.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
