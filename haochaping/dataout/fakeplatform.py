"""A stand-in for the Tibet regional 好差评 platform (interface v1), for tests and the demo.

A real HTTP server (stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive) bound to loopback only.
It validates every record strictly against the v1 field list (unknown fields, missing fields,
wrong types and codes are refused with 422 and per-field errors; the checks are written here,
independently of the adapter, so an adapter bug cannot validate itself), checks the HMAC
signature when started with a secret, refuses a rectification or invalidation whose evaluation
it has not received yet (409 ``E_ORDER``: order per case is observable), stores what it
accepted in a SQLite file under its data dir, dedupes by ``recordId`` (answers ``duplicate`` and
counts the extra delivery), and answers the reconciliation queries.

Control endpoints (no signature): ``GET /_control`` (state and counters), ``POST /_control``
with any of ``{"fail": {"status": 503, "count": N}}`` (N = -1: until cleared; ``null`` clears),
``{"slow": seconds}``, ``{"twice": true}`` (every answer is written twice on the connection),
``{"drop": N}`` (store the next N records, then close the connection without answering);
``POST /_control/reset`` (``{"data": true}`` also forgets the records); ``GET /_records``;
``GET /_health``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from haochaping.integration import signing

PREFIX = "/api/tibet/v1"
TYPES = ("evaluations", "rectifications", "evaluation-invalidations")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

_RECORD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_AREA = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CERT = re.compile(r"^(\d{17}[\dX]|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})$")
_MOBILE = re.compile(r"^1\d{10}$")
_CODE = re.compile(r"^\d{3}$")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- validation -------------------------------------------------------------------------------


def _text(max_len: int, *, required: bool = False):
    def check(v: Any) -> str | None:
        if not isinstance(v, str):
            return "must be a string"
        if len(v) > max_len:
            return f"at most {max_len} characters"
        if required and not v.strip():
            return "must not be empty"
        return None

    return check


def _pattern(rx: re.Pattern, what: str, *, blank: bool = False):
    def check(v: Any) -> str | None:
        if not isinstance(v, str):
            return "must be a string"
        if blank and v == "":
            return None
        return None if rx.match(v) else f"must be {what}"

    return check


def _one_of(*values: str):
    def check(v: Any) -> str | None:
        return (
            None
            if isinstance(v, str) and v in values
            else f"must be one of {', '.join(repr(x) for x in values)}"
        )

    return check


def _int_in(*values: int):
    def check(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and v in values
        return None if ok else f"must be an integer in {list(values)}"

    return check


def _time(*, blank: bool = False):
    def check(v: Any) -> str | None:
        if not isinstance(v, str):
            return "must be a string"
        if blank and v == "":
            return None
        try:
            dt.datetime.strptime(v, TIME_FORMAT)  # noqa: DTZ007 - Beijing wall time by definition
        except ValueError:
            return "must be yyyy-MM-dd HH:mm:ss"
        return None

    return check


COMMON = {
    "recordId": _pattern(_RECORD_ID, "1-64 letters, digits or '-'"),
    "sourceSystem": _text(40, required=True),
    "projectNo": _text(64),
    "areaCode": _pattern(_AREA, "a 6, 9 or 12 digit region code"),
    "deptCode": _pattern(_CREDIT, "an 18-character unified social credit code"),
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "evaluations": {
        **COMMON,
        "taskCode": _text(64),
        "taskHandleItem": _text(64),
        "taskName": _text(500),
        "subMatter": _text(64),
        "proDepart": _text(200, required=True),
        "proManager": _text(100),
        "proStatus": _one_of("", "1", "2", "3", "4"),
        "pf": _one_of("1", "2", "3", "4", "5", "6", "7"),
        "userProp": _one_of("1", "2", "9"),
        "userName": _text(200),
        "certKey": _pattern(_CERT, "an 18-character ID number or credit code", blank=True),
        "mobile": _pattern(_MOBILE, "an 11-digit mobile number", blank=True),
        "satisfaction": _int_in(1, 2, 3, 4, 5),
        "evalDetail": _text(100),
        "writingEvaluation": _text(500),
        "otherEvaluation": _text(500),
        "assessTime": _time(),
        "assessNumber": _int_in(1, 2),
        "appStatus": _one_of("1", "2"),
        "publicFlag": _one_of("0", "1"),
        "acceptDate": _time(blank=True),
        "promiseTime": _time(blank=True),
        "dataSource": _one_of("1", "2", "3", "4"),
    },
    "rectifications": {
        **COMMON,
        "evalRecordId": _pattern(_RECORD_ID, "a record id"),
        "rectifyEvent": _one_of(*[f"{n:02d}" for n in range(1, 11)]),
        "rectifyStatus": _one_of(*[str(n) for n in range(1, 10)]),
        "rectifyResult": _one_of("", "1", "2", "3"),
        "visitWay": _one_of("", "1", "2", "3"),
        "visitResult": _one_of("", "1", "2", "3"),
        "visitSatisfaction": _one_of("", "1", "2", "3"),
        "handleTime": _time(),
        "handleOpinion": _text(500),
        "contactTime": _time(blank=True),
        "feedbackTime": _time(blank=True),
        "closeTime": _time(blank=True),
        "overdueFlag": _one_of("0", "1"),
    },
    "evaluation-invalidations": {
        **COMMON,
        "evalRecordId": _pattern(_RECORD_ID, "a record id"),
        "invalidReason": _text(500, required=True),
        "invalidTime": _time(),
    },
}
DAY_FIELD = {
    "evaluations": "assessTime",
    "rectifications": "handleTime",
    "evaluation-invalidations": "invalidTime",
}


def validate(kind: str, body: Any) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        return {"": ["the body must be a JSON object"]}
    schema = SCHEMAS[kind]
    errors: dict[str, list[str]] = {}
    for name in sorted(set(body) - set(schema)):
        errors.setdefault(name, []).append("unknown field")
    for name, check in schema.items():
        if name not in body:
            errors.setdefault(name, []).append("missing")
            continue
        problem = check(body[name])
        if problem:
            errors.setdefault(name, []).append(problem)
    if errors:
        return errors
    if kind == "evaluations":
        if body["projectNo"] and not body["taskCode"]:
            errors["taskCode"] = ["required with a projectNo"]
        if body["evalDetail"]:
            for code in body["evalDetail"].split(","):
                if not _CODE.match(code) or code[0] != str(body["satisfaction"]):
                    errors.setdefault("evalDetail", []).append(
                        f"{code!r} is not a reason code of this satisfaction"
                    )
    if kind == "rectifications":
        if body["visitSatisfaction"] and body["visitResult"] != "1":
            errors["visitSatisfaction"] = ["only when the citizen was reached (visitResult 1)"]
        if body["rectifyEvent"] == "05" and not (body["visitWay"] and body["visitResult"]):
            errors["visitWay"] = ["a callback needs visitWay and visitResult"]
    return errors


# --- the store --------------------------------------------------------------------------------


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "record_id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, day TEXT NOT NULL, "
            "project_no TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL, "
            "received_at REAL NOT NULL, deliveries INTEGER NOT NULL DEFAULT 1)"
        )
        self.db.execute("CREATE INDEX IF NOT EXISTS records_day ON records (kind, day)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, "
            "method TEXT, path TEXT, record_id TEXT, status INTEGER, result TEXT)"
        )

    def log(self, method: str, path: str, record_id: str, status: int, result: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO requests (at, method, path, record_id, status, result) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), method, path, record_id, status, result),
            )

    def has(self, record_id: str) -> bool:
        with self.lock:
            return (
                self.db.execute(
                    "SELECT 1 FROM records WHERE record_id = ?", (record_id,)
                ).fetchone()
                is not None
            )

    def put(self, kind: str, body: dict[str, Any]) -> str:
        """Store a record; "accepted" the first time, "duplicate" after."""
        raw = canonical(body)
        digest = hashlib.sha256(raw).hexdigest()
        day = body[DAY_FIELD[kind]][:10]
        with self.lock:
            cur = self.db.execute(
                "INSERT INTO records (record_id, kind, day, project_no, hash, body, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET deliveries = deliveries + 1 "
                "RETURNING deliveries",
                (body["recordId"], kind, day, body["projectNo"], digest, raw.decode(), time.time()),
            )
            deliveries = cur.fetchone()[0]
        return "accepted" if deliveries == 1 else "duplicate"

    def day(self, kind: str, day: str) -> list[tuple[str, str]]:
        with self.lock:
            return list(
                self.db.execute(
                    "SELECT record_id, hash FROM records WHERE kind = ? AND day = ? ORDER BY record_id",
                    (kind, day),
                )
            )

    def stats(self) -> dict[str, int]:
        with self.lock:
            records, deliveries = self.db.execute(
                "SELECT COUNT(*), COALESCE(SUM(deliveries), 0) FROM records"
            ).fetchone()
            requests = self.db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        return {
            "records": records,
            "deliveries": deliveries,
            "duplicates": deliveries - records,
            "requests": requests,
        }

    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT seq, record_id, kind, day, project_no, hash, body, deliveries FROM records"
        params: tuple = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        with self.lock:
            rows = list(self.db.execute(sql + " ORDER BY seq", params))
        return [
            {
                "seq": r[0],
                "recordId": r[1],
                "kind": r[2],
                "day": r[3],
                "projectNo": r[4],
                "hash": r[5],
                "body": json.loads(r[6]),
                "deliveries": r[7],
            }
            for r in rows
        ]

    def reset(self) -> None:
        with self.lock:
            self.db.execute("DELETE FROM records")
            self.db.execute("DELETE FROM requests")


class Control:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.fail_status = 0
        self.fail_remaining = 0
        self.slow = 0.0
        self.twice = False
        self.drop_remaining = 0

    def state(self) -> dict[str, Any]:
        return {
            "fail": {"status": self.fail_status, "count": self.fail_remaining}
            if self.fail_remaining
            else None,
            "slow": self.slow,
            "twice": self.twice,
            "drop": self.drop_remaining,
        }

    def take_failure(self) -> int:
        with self.lock:
            if not self.fail_remaining:
                return 0
            if self.fail_remaining > 0:
                self.fail_remaining -= 1
            return self.fail_status

    def take_drop(self) -> bool:
        with self.lock:
            if self.drop_remaining > 0:
                self.drop_remaining -= 1
                return True
            return False


class FakePlatform(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, host: str, port: int, *, data_dir: Path, secret: str = "", client_id: str = ""
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError("the fake platform listens on loopback only")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(data_dir / "fake-platform.sqlite3")
        self.control = Control()
        self.secret = secret
        self.client_id = client_id
        self.nonces: set[str] = set()
        self.nonce_lock = threading.Lock()
        super().__init__((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakePlatform

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the store keeps the log
        return

    # --- plumbing ---------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, data: Any, *, twice: bool = False) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode()
        self.wfile.write(head + payload)
        if twice:
            self.wfile.write(head + payload)
        self.wfile.flush()

    def _signature_ok(self, path: str, body: bytes) -> bool:
        if not self.server.secret:
            return True
        h = self.headers
        ts, nonce, sig = (
            h.get(signing.HEADER_TIMESTAMP, ""),
            h.get(signing.HEADER_NONCE, ""),
            h.get(signing.HEADER_SIGNATURE, ""),
        )
        if self.server.client_id and h.get(signing.HEADER_APP, "") != self.server.client_id:
            return False
        if not ts.isdigit() or abs(time.time() - int(ts)) > signing.MAX_SKEW_SECONDS or not nonce:
            return False
        if not signing.verify(self.server.secret, self.command, path, ts, nonce, body, sig):
            return False
        with self.server.nonce_lock:
            if nonce in self.server.nonces:
                return False
            self.server.nonces.add(nonce)
        return True

    # --- routes -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        store = self.server.store
        if url.path == "/_health":
            return self._answer(200, {"ok": True})
        if url.path == "/_control":
            return self._answer(
                200, {"control": self.server.control.state(), "stats": store.stats()}
            )
        if url.path == "/_records":
            return self._answer(200, {"records": store.records(query.get("type"))})
        if url.path == f"{PREFIX}/reconciliation":
            if not self._signature_ok(url.path, b""):
                return self._answer(401, {"code": "E_AUTH", "msg": "bad signature"})
            kind, day = query.get("type", ""), query.get("date", "")
            if kind not in TYPES or not re.match(r"^\d{4}-\d{2}-\d{2}$", day):
                return self._answer(
                    422, {"code": "E_VALIDATION", "msg": "type and date (yyyy-MM-dd) are required"}
                )
            rows = store.day(kind, day)
            lines = "\n".join(f"{rid}:{h}" for rid, h in rows)
            data: dict[str, Any] = {
                "type": kind,
                "date": day,
                "count": len(rows),
                "hash": hashlib.sha256(lines.encode()).hexdigest(),
            }
            if query.get("records") == "1":
                data["records"] = [{"recordId": rid, "hash": h} for rid, h in rows]
            return self._answer(200, data)
        return self._answer(404, {"code": "E_NOT_FOUND", "msg": "no such endpoint"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        raw = self._body()
        control = self.server.control
        if url.path == "/_control":
            data = json.loads(raw or b"{}")
            with control.lock:
                if "fail" in data:
                    fail = data["fail"] or {}
                    control.fail_status = int(fail.get("status", 503))
                    control.fail_remaining = int(fail.get("count", -1)) if fail else 0
                if "slow" in data:
                    control.slow = float(data["slow"])
                if "twice" in data:
                    control.twice = bool(data["twice"])
                if "drop" in data:
                    control.drop_remaining = int(data["drop"])
            return self._answer(200, {"control": control.state()})
        if url.path == "/_control/reset":
            data = json.loads(raw or b"{}")
            with control.lock:
                control.reset()
            if data.get("data"):
                self.server.store.reset()
            return self._answer(200, {"control": control.state()})
        kind = url.path.removeprefix(PREFIX + "/")
        if not url.path.startswith(PREFIX + "/") or kind not in TYPES:
            return self._answer(404, {"code": "E_NOT_FOUND", "msg": "no such endpoint"})
        self._record(kind, url.path, raw)

    def _record(self, kind: str, path: str, raw: bytes) -> None:
        store, control = self.server.store, self.server.control
        if control.slow:
            time.sleep(control.slow)
        twice = control.twice
        failure = control.take_failure()
        if failure:
            store.log("POST", path, "", failure, "failure injected")
            return self._answer(failure, {"code": "E_UNAVAILABLE", "msg": "try later"}, twice=twice)
        if not self._signature_ok(path, raw):
            store.log("POST", path, "", 401, "bad signature")
            return self._answer(401, {"code": "E_AUTH", "msg": "bad signature"}, twice=twice)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            store.log("POST", path, "", 400, "not JSON")
            return self._answer(400, {"code": "E_JSON", "msg": "the body is not JSON"}, twice=twice)
        errors = validate(kind, body)
        record_id = body.get("recordId", "") if isinstance(body, dict) else ""
        if errors:
            store.log(
                "POST", path, str(record_id)[:64], 422, json.dumps(errors, ensure_ascii=False)
            )
            return self._answer(
                422,
                {
                    "code": "E_VALIDATION",
                    "msg": "invalid record",
                    "recordId": record_id,
                    "errors": errors,
                },
                twice=twice,
            )
        if kind != "evaluations" and not store.has(body["evalRecordId"]):
            store.log("POST", path, record_id, 409, "evaluation not received yet")
            return self._answer(
                409,
                {
                    "code": "E_ORDER",
                    "msg": "the evaluation has not been received",
                    "recordId": record_id,
                },
                twice=twice,
            )
        result = store.put(kind, body)
        store.log("POST", path, record_id, 200, result)
        if control.take_drop():
            self.close_connection = True
            self.connection.shutdown(2)  # stored, but the sender never hears it
            return None
        return self._answer(200, {"code": "0", "msg": result, "recordId": record_id}, twice=twice)


def serve(
    host: str, port: int, *, data_dir: Path, secret: str = "", client_id: str = "", ready=None
) -> None:
    server = FakePlatform(host, port, data_dir=data_dir, secret=secret, client_id=client_id)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
