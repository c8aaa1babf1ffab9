"""Production settings: the defaults of :mod:`haochaping.settings` plus HTTPS-only hardening.

Use with ``DJANGO_SETTINGS_MODULE=haochaping.settings_production`` behind a reverse proxy that
terminates TLS and sets ``X-Forwarded-Proto``. ``haochaping check --deploy
--settings=haochaping.settings_production`` must report nothing (tested in
haochaping/accounts/tests/test_production.py); it also refuses the demo SECRET_KEY (core.E001)
and missing citizen-data keys (core.E002). See docs/security.md "Web hardening".
"""

from __future__ import annotations

import os
from typing import Any

from haochaping.settings import *  # noqa: F403
from haochaping.settings import CONTENT_SECURITY_POLICY, HAOCHAPING_ACCOUNTS, LOGGING, _env_bool

DEBUG = False

# HTTPS only. The proxy terminates TLS; it must set X-Forwarded-Proto (and strip it from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_bool("HAOCHAPING_SSL_REDIRECT", True)
# The proxy's health probe and the Prometheus scrape (direct, allow-listed) speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Cookies: only over HTTPS, never to scripts (htmx takes the CSRF token from the page).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Login throttling counts the real client behind the proxy, not the proxy's address.
HAOCHAPING_ACCOUNTS = {
    **HAOCHAPING_ACCOUNTS,
    "TRUSTED_PROXIES": int(os.environ.get("HAOCHAPING_TRUSTED_PROXIES", "1")),
}
AXES_CLIENT_IP_CALLABLE = "haochaping.accounts.client_ip.client_ip"

# Evidence files: readable by the service account's group only.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

_directives: dict[str, Any] = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "upgrade-insecure-requests": True,
}
CONTENT_SECURITY_POLICY = {**CONTENT_SECURITY_POLICY, "DIRECTIVES": _directives}

# Logs: one JSON object per line unless HAOCHAPING_LOG_FORMAT=plain (haochaping.core.logging).
LOG_FORMAT = os.environ.get("HAOCHAPING_LOG_FORMAT", "json")
LOGGING = {
    **LOGGING,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "loggers": {
        **LOGGING["loggers"],
        "haochaping.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}
