"""The sample deployment files in deploy/: nginx accepts the site, systemd accepts the units, and
they agree with the application's settings (upload limit, proxy headers, static root, /metrics)."""

from __future__ import annotations

import configparser
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from haochaping import settings_production
from haochaping.channels.conf import DEFAULTS as CHANNEL_DEFAULTS
from haochaping.rectification.conf import DEFAULTS as RECTIFICATION_DEFAULTS

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
SITE = DEPLOY / "nginx" / "haochaping.conf"
UNITS = DEPLOY / "systemd"
ENV_FILE = DEPLOY / "haochaping.env.example"
VENV_BIN = "/opt/haochaping/.venv/bin/haochaping"


def _self_signed(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hcp.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None
    )


def nginx_config(
    tmp_path: Path, *, upstream: int = 8000, http_port: int = 80, https_port: int = 443
) -> Path:
    """deploy/nginx/haochaping.conf inside a wrapper like Debian's /etc/nginx/nginx.conf, with
    every path in ``tmp_path`` (a self-signed certificate, static files, logs) and, when given,
    other ports for the upstream gunicorn and nginx's own listeners (loopback only)."""
    tls = tmp_path / "tls"
    tls.mkdir()
    _self_signed(tls)
    (tmp_path / "static").mkdir()
    (tmp_path / "logs").mkdir()
    site = (
        SITE.read_text(encoding="utf-8")
        .replace("/etc/haochaping/tls/", f"{tls}/")
        .replace("/var/lib/haochaping/static/", f"{tmp_path}/static/")
        .replace("/var/log/nginx/", f"{tmp_path}/logs/")
        .replace("server 127.0.0.1:8000", f"server 127.0.0.1:{upstream}")
        .replace("    listen [::]:80;\n", "")
        .replace("    listen [::]:443 ssl http2;\n", "")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(
        # root here: the test's temporary directory is private to the user running the tests
        ("user root;\n" if os.geteuid() == 0 else "") + f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"{temp}\n"
        f"    access_log {tmp_path}/logs/access.log;\n"
        f"    include {tmp_path}/site.conf;\n"
        "}\n",
        encoding="utf-8",
    )
    return config


def test_nginx_accepts_the_site(tmp_path):
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed here (.ci/run installs nginx-light for this test)")
    config = nginx_config(tmp_path)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", f"{tmp_path}/logs/error.log", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _directives(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", SITE.read_text(encoding="utf-8"), re.M)


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_the_site_agrees_with_the_application():
    text = SITE.read_text(encoding="utf-8")
    # every upload the app accepts gets through nginx
    (body,) = _directives("client_max_body_size")
    limit = (
        RECTIFICATION_DEFAULTS["EVIDENCE_MAX_FILES"] * RECTIFICATION_DEFAULTS["EVIDENCE_MAX_BYTES"]
    )
    assert _size(body) > limit
    # the header settings_production trusts is set by nginx, never passed through from clients
    header = settings_production.SECURE_PROXY_SSL_HEADER[0].removeprefix("HTTP_").replace("_", "-")
    proto = re.findall(rf"proxy_set_header\s+{header}\s+(\S+);", text, re.I)
    assert proto and set(proto) == {"$scheme"}
    # one proxy appends to X-Forwarded-For, as HAOCHAPING_TRUSTED_PROXIES=1 expects
    forwarded = re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+);", text)
    assert forwarded and set(forwarded) == {"$proxy_add_x_forwarded_for"}
    assert settings_production.HAOCHAPING_ACCOUNTS["TRUSTED_PROXIES"] >= 1
    # /metrics is not reachable through the public site
    assert re.search(r"location = /metrics \{\s*return 404;", text)
    # the long poll outlives its wait; other requests outlive gunicorn's timeout
    poll = re.search(r"location = /tablet/poll \{(.*?)\}", text, re.S).group(1)
    (poll_read,) = re.findall(r"proxy_read_timeout\s+(\d+)s;", poll)
    assert int(poll_read) > CHANNEL_DEFAULTS["POLL_SECONDS"]
    # static files come from STATIC_ROOT of the data directory the env file names
    data_dir = re.search(r"^HAOCHAPING_DATA_DIR=(\S+)$", ENV_FILE.read_text(), re.M).group(1)
    assert f"alias {data_dir}/static/;" in text


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_units_run_the_production_server_and_workers():
    web = _unit(UNITS / "haochaping-web.service")
    start = web["Service"]["ExecStart"]
    assert start.startswith(VENV_BIN) and " serve --production --no-worker" in start
    assert web["Service"]["KillMode"] == "mixed"
    assert "PROMETHEUS_MULTIPROC_DIR=/run/haochaping-web/" in web["Service"]["Environment"]
    assert web["Service"]["RuntimeDirectory"] == "haochaping-web"
    worker = _unit(UNITS / "haochaping-worker@.service")
    assert worker["Service"]["ExecStart"].startswith(f"{VENV_BIN} worker")
    assert "--worker-id" not in worker["Service"]["ExecStart"]  # a fresh id per process
    # the graceful stop of serve (--graceful-timeout 30 s) fits in systemd's stop timeout
    assert int(web["Service"]["TimeoutStopSec"]) > 30
    target = _unit(UNITS / "haochaping.target")
    assert "haochaping-web.service" in target["Unit"]["Wants"]
    every = " ".join(p.read_text() for p in UNITS.iterdir())
    assert "fake-platform" not in every.replace("(`haochaping fake-platform`)", "")


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed; the units are parsed by the test above")
    # the same units, with the executable and user of this machine (verify checks both)
    haochaping = Path(sys.executable).with_name("haochaping")
    for unit in UNITS.iterdir():
        text = (
            unit.read_text(encoding="utf-8")
            .replace(VENV_BIN, str(haochaping))
            .replace("User=haochaping", "User=root")
            .replace("Group=haochaping", "Group=root")
        )
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    names = [
        str(tmp_path / "haochaping-web.service"),
        str(tmp_path / "haochaping-worker@1.service"),
    ]
    shutil.copy(tmp_path / "haochaping-worker@.service", tmp_path / "haochaping-worker@1.service")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # no systemd runs in a container: verify cannot look up other units or the bus
        if line.strip()
        and "Failed to connect to bus" not in line
        and "postgresql.service" not in line
        and "network-online.target" not in line
        and "haochaping.target" not in line
    ]
    assert not problems, "\n".join(problems)
