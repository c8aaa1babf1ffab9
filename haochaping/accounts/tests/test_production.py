"""Production settings: `haochaping check --deploy` is clean, and the headers and cookies a
browser gets over HTTPS are the hardened ones."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

import pytest

from haochaping import settings_production

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "HAOCHAPING_DATA_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
    "HAOCHAPING_ALLOWED_HOSTS": "hcp.lasa.gov.cn",
}


def check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    # the test process's own variables (conftest sets DJANGO_ALLOW_ASYNC_UNSAFE) stay out
    skip = {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in skip}
    full_env.update(HAOCHAPING_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "haochaping",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=haochaping.settings_production",
        ],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_without_a_secret_key(tmp_path):
    # no SECRET_KEY in the environment: the embedded demo key, which the check refuses
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = check_deploy(tmp_path, **env)
    assert result.returncode != 0
    assert "core.E001" in result.stderr


@pytest.fixture
def production(settings):
    for name in [
        "DEBUG",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CONTENT_SECURITY_POLICY",
    ]:
        setattr(settings, name, getattr(settings_production, name))


@pytest.mark.django_db
def test_https_responses_carry_hsts_csp_and_secure_cookies(client, production):
    response = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "upgrade-insecure-requests" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"]


@pytest.mark.django_db
def test_plain_http_is_redirected_but_the_health_probe_is_not(client, production):
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_the_development_settings_send_the_same_csp(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged left entry is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (1, "", "10.0.0.2"),
    ],
)
def test_login_throttling_counts_the_client_behind_the_proxy(
    settings, rf, proxies, forwarded, expected
):
    from haochaping.accounts.client_ip import client_ip

    settings.HAOCHAPING_ACCOUNTS = {**settings.HAOCHAPING_ACCOUNTS, "TRUSTED_PROXIES": proxies}
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
    assert settings_production.AXES_CLIENT_IP_CALLABLE == "haochaping.accounts.client_ip.client_ip"
