"""/healthz, /metrics and the request id / JSON log lines, through real requests."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import socket
import sys

import pytest
import time_machine
from django.db import OperationalError, connections
from prometheus_client.parser import text_string_to_metric_families

from haochaping.core.logging import JsonFormatter
from haochaping.jobs.recovery import heartbeat_beat
from haochaping.jobs.tasks import noop
from haochaping.ratings.enums import Channel
from haochaping.rectification.tests.helpers import bad_rating
from haochaping.workdays import cache
from haochaping.workdays.services import calendar_load_shipped

T0 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


# --- /healthz --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_ok_with_the_database_and_an_idle_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok", "workers": "ok"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def database_down(django_db_setup, django_db_blocker, tmp_path):
    """A second database alias that cannot be reached: PostgreSQL on a port nothing listens on,
    or SQLite in a directory that does not exist.

    No test transaction here: a Django test case refuses connections to aliases it does not
    list (and cannot list one it cannot open), so the test only reads the test database, with
    pytest-django's blocker lifted, and the failure it sees is the real one."""
    default = connections.settings["default"]
    if default["ENGINE"].endswith("sqlite3"):
        broken = {**default, "NAME": str(tmp_path / "missing" / "db.sqlite3")}
    else:
        options = {**default.get("OPTIONS", {}), "connect_timeout": 2}
        broken = {**default, "HOST": "127.0.0.1", "PORT": str(_closed_port()), "OPTIONS": options}
    connections.settings["down"] = broken
    try:
        with django_db_blocker.unblock():
            yield "down"
    finally:
        connections["down"].close()
        del connections["down"]
        del connections.settings["down"]
        connections["default"].close()


def test_healthz_names_an_unreachable_database(client, database_down):
    with pytest.raises(OperationalError):  # the alias really is down
        connections[database_down].ensure_connection()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database:down"] == "unreachable"
    assert body["database"] == "ok"


@pytest.mark.django_db
def test_healthz_fails_when_a_runnable_job_waits_too_long(client, settings):
    settings.HAOCHAPING_MONITORING = {"HEALTHZ_QUEUE_MAX_AGE_SECONDS": 300}
    with time_machine.travel(T0, tick=False) as traveller:
        noop.enqueue()
        traveller.shift(dt.timedelta(seconds=290))
        assert client.get("/healthz").status_code == 200
        traveller.shift(dt.timedelta(seconds=20))
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"] == "stalled"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_can_require_a_live_worker(client, settings):
    settings.HAOCHAPING_MONITORING = {"HEALTHZ_REQUIRE_WORKER": True}
    settings.HAOCHAPING_JOBS = {**settings.HAOCHAPING_JOBS, "LEASE_SECONDS": 60}
    with time_machine.travel(T0, tick=False) as traveller:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["workers"] == "none"
        heartbeat_beat(worker_id="web-1-worker")
        assert client.get("/healthz").status_code == 200
        traveller.shift(dt.timedelta(seconds=61))  # the worker stopped beating
        assert client.get("/healthz").json()["workers"] == "none"


# --- /metrics --------------------------------------------------------------------------------


def _families(client, **extra) -> dict:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def _sample(families: dict, name: str, sample: str, **labels) -> float:
    for s in families[name].samples:
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0.0


@pytest.mark.django_db
def test_metrics_parse_and_count_requests_by_view_and_status(client):
    before = _sample(
        _families(client),
        "haochaping_http_requests",
        "haochaping_http_requests_total",
        view="core:healthz",
        status="200",
    )
    client.get("/healthz")
    client.get("/healthz")
    after = _families(client)
    count = _sample(
        after,
        "haochaping_http_requests",
        "haochaping_http_requests_total",
        view="core:healthz",
        status="200",
    )
    assert count == before + 2
    latency = _sample(
        after,
        "haochaping_http_request_duration_seconds",
        "haochaping_http_request_duration_seconds_count",
        view="core:healthz",
    )
    assert latency >= 2
    for name in [
        "haochaping_jobs_queued",
        "haochaping_jobs_oldest_ready_age_seconds",
        "haochaping_jobs_workers_alive",
        "haochaping_outbox_messages",
        "haochaping_outbox_oldest_age_seconds",
        "haochaping_bad_reviews_open",
        "haochaping_bad_reviews_overdue",
        "haochaping_ratings_received_this_month",
    ]:
        assert name in after, name


@pytest.mark.django_db
def test_metrics_show_the_queue_the_bad_reviews_and_the_ratings(client, org_tree):
    calendar_load_shipped()  # the rectification's deadlines count working days
    cache.reset()
    bad_rating(org_tree)
    noop.enqueue()
    families = _families(client)
    assert _sample(families, "haochaping_bad_reviews_open", "haochaping_bad_reviews_open") == 1
    ready = _sample(
        families, "haochaping_jobs_queued", "haochaping_jobs_queued", queue="default", state="ready"
    )
    assert ready >= 1
    rated = _sample(
        families,
        "haochaping_ratings_received_this_month",
        "haochaping_ratings_received_this_month",
        channel=Channel.EVALUATOR.value,
    )
    assert rated == 1
    # the outbox got the rating (dataout writes it in the same transaction)
    pending = _sample(
        families, "haochaping_outbox_messages", "haochaping_outbox_messages", status="pending"
    )
    assert pending >= 1


@pytest.mark.django_db
def test_metrics_refuse_clients_outside_the_allowed_networks(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
    settings.HAOCHAPING_MONITORING = {"METRICS_ALLOW": "10.0.0.0/8"}
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is no longer on the list


@pytest.mark.django_db
def test_metrics_behind_the_proxy_count_the_real_client(client, settings):
    settings.HAOCHAPING_ACCOUNTS = {**settings.HAOCHAPING_ACCOUNTS, "TRUSTED_PROXIES": 1}
    # relayed by the local nginx for someone on the internet
    relayed = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert relayed.status_code == 403
    # someone outside claiming to be loopback
    forged = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert forged.status_code == 403
    # a scraper on the host, through the proxy
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


@pytest.mark.django_db
def test_metrics_accept_the_bearer_token_from_anywhere(client, settings):
    settings.HAOCHAPING_MONITORING = {"METRICS_ALLOW": "", "METRICS_TOKEN": "scrape-secret-1"}
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    good = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-1", **outside)
    assert good.status_code == 200
    bad = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-2", **outside)
    assert bad.status_code == 403
    assert client.get("/metrics", **outside).status_code == 403


# --- request id and JSON logs ----------------------------------------------------------------


@pytest.fixture
def json_lines():
    """The haochaping.request logger's lines, formatted as they are emitted (the request id
    lives in a context variable only while the request is handled)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("haochaping.request")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


@pytest.mark.django_db
def test_the_request_id_is_kept_returned_and_logged(client, json_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-5f2c9a7e01")
    assert response["X-Request-ID"] == "nginx-5f2c9a7e01"
    (line,) = json_lines()
    assert line["request_id"] == "nginx-5f2c9a7e01"
    assert line["logger"] == "haochaping.request"
    assert line["level"] == "INFO"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["view"] == "core:healthz"
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("Z")


@pytest.mark.django_db
def test_a_malformed_request_id_is_replaced(client, json_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID='x" forged\nline')
    given = response["X-Request-ID"]
    assert len(given) == 32 and given != 'x" forged\nline'
    assert json_lines()[0]["request_id"] == given


@pytest.mark.django_db
def test_log_lines_name_the_logged_in_user(client, org_tree, json_lines):
    from haochaping.accounts.enums import Role
    from haochaping.testing.builders import make_user

    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    client.force_login(user)
    client.get("/")
    assert json_lines()[0]["user_id"] == user.pk


def test_the_json_formatter_writes_the_exception():
    logger = logging.getLogger("haochaping.test")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord(
            "haochaping.test", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed x"
    assert line["level"] == "ERROR"
    assert "ValueError: boom" in line["exception"]
    assert "request_id" not in line  # outside a request
