"""Django settings for haochaping.

Everything that differs between machines comes from the environment (see .env.example):
DATABASE_URL, SECRET_KEY, HAOCHAPING_DATA_DIR, HAOCHAPING_DEBUG, HAOCHAPING_ALLOWED_HOSTS.
The embedded default is SQLite in WAL mode under ``var/``; production is PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("HAOCHAPING_DATA_DIR", PROJECT_ROOT / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)

DEBUG = _env_bool("HAOCHAPING_DEBUG", False)
# The fallback key is only for the embedded demo and tests; production settings refuse it
# (see haochaping.core.checks, id core.E001).
INSECURE_DEMO_SECRET_KEY = "insecure-demo-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEMO_SECRET_KEY)
# Keys for citizens' ID numbers and mobiles at rest: "id:base64,id:base64", first = current
# (haochaping.core.crypto). Unset: a key derived from SECRET_KEY; the deploy check core.E002 refuses it.
HAOCHAPING_DATA_KEYS = os.environ.get("HAOCHAPING_DATA_KEYS", "")
# Citizens' identities are anonymised after this many years (haochaping retention anonymise).
HAOCHAPING_RETENTION_YEARS = int(os.environ.get("HAOCHAPING_RETENTION_YEARS", "3"))
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("HAOCHAPING_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("HAOCHAPING_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "haochaping.core",
    "haochaping.org",
    "haochaping.catalog",
    "haochaping.cases",
    "haochaping.accounts",
    "haochaping.workdays",
    "haochaping.jobs",
    "haochaping.notifications",
    "haochaping.ratings",
    "haochaping.integration",
    "haochaping.channels",
    "haochaping.rectification",
    "haochaping.results",
    "haochaping.demo",
    "haochaping.dataout",
    "haochaping.appeals",
    "haochaping.coverage",
    "haochaping.reporting",
    "haochaping.integrity",
    "haochaping.privacy",
    "haochaping.audit",
    "haochaping.ops",
]

MIDDLEWARE = [
    # First: the request id, the request log line and the request metrics (docs/deploy.md).
    "haochaping.core.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "haochaping.audit.context.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "haochaping.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page (HTTP 429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "haochaping.urls"
WSGI_APPLICATION = "haochaping.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haochaping.core.context_processors.site",
                "haochaping.core.context_processors.nav",
                "haochaping.workdays.context_processors.calendar_warning",
                "haochaping.notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = DATA_DIR / "haochaping.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE transactions take the write
    # lock up front so concurrent writers queue on busy_timeout instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-haochaping.sqlite3")}
else:
    # Several engineers (or CI jobs) can share one PostgreSQL server: a suffix keeps their test
    # databases apart.
    _suffix = os.environ.get("HAOCHAPING_TEST_DB_SUFFIX", "")
    DATABASES["default"]["TEST"] = {"NAME": f"test_haochaping{('_' + _suffix) if _suffix else ''}"}
# A read replica (streaming standby of the primary) for dashboards and reports: reads inside
# haochaping.core.db.reading_replica() go there, everything else to the primary (docs/backup.md).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["haochaping.core.db.ReplicaRouter"]
# PostgreSQL: the rating path's fixed statements are prepared once per connection
# (haochaping.core.compiled_queries.prepared_cursor). Turn off behind a pooler in transaction
# mode that cannot carry prepared statements (PgBouncer before 1.22, or without
# max_prepared_statements; docs/deploy.md).
HAOCHAPING_PREPARED_STATEMENTS = _env_bool("HAOCHAPING_PREPARED_STATEMENTS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Accounts (docs/security.md "Accounts"): Argon2id first; the older hashers stay so existing
# hashes still verify and are upgraded to Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes watches every authenticate() call and refuses locked-out credentials first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages ------------------------------------------------------------------------------
# Django ships no locale data for Tibetan; we register it so get_language_info() and the
# language switcher know its name.
django.conf.locale.LANG_INFO.setdefault(
    "bo", {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་ཡིག"}
)
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("bo", _("Tibetan")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"  # evidence files; never served by the web server directly
WHITENOISE_USE_FINDERS = True

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("HAOCHAPING_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
# Login throttling (django-axes 8): five failed passwords lock the username for 15 minutes,
# and lock one client (address + browser) that sprays many usernames. Not the address alone:
# a hall's windows share one NAT address.
AXES_FAILURE_LIMIT = int(os.environ.get("HAOCHAPING_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=int(os.environ.get("HAOCHAPING_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "haochaping"
# Content security policy (django-csp 4): no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The receipt snippet (channels/_receipt_snippet.html) is HTML for other systems' pages,
        # so it carries its own style attributes; exactly these three values are allowed, by hash
        # (the CSP test in accounts/tests/test_csp.py fails when the snippet changes).
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-XXImyw6WGJUgfY2lqROkWQxLI8vO0bl40Gfd6gqDgv4='",
            "'sha256-q3nqK4VzeI/SowYCYQ/tCfo056B/JMutuSpzbJbHczk='",
            "'sha256-blIPklHsTxaVLPirCUnwYl7mZ1ZCBWVi2I9kRVbgaFk='",
        ],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Logging --------------------------------------------------------------------------------
# HAOCHAPING_LOG_FORMAT=json: one JSON object per line (haochaping.core.logging; the default of
# settings_production). The per-request line (logger haochaping.request) is on in JSON mode only:
# in plain mode gunicorn's access log says the same.
LOG_FORMAT = os.environ.get("HAOCHAPING_LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "haochaping.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("HAOCHAPING_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "haochaping.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}

# --- Product settings -----------------------------------------------------------------------
# --- Accounts (haochaping.accounts; defaults in haochaping/accounts/conf.py, docs/security.md) --
HAOCHAPING_ACCOUNTS = {
    "SESSION_IDLE_SECONDS": int(os.environ.get("HAOCHAPING_SESSION_IDLE_SECONDS", "1800")),
    "SESSION_ABSOLUTE_SECONDS": int(os.environ.get("HAOCHAPING_SESSION_ABSOLUTE_SECONDS", "28800")),
    "INACTIVE_DAYS": int(os.environ.get("HAOCHAPING_INACTIVE_DAYS", "90")),
}

HAOCHAPING = {
    # The home region of this installation: the root of the org tree a city admin sees.
    "HOME_REGION": os.environ.get("HAOCHAPING_HOME_REGION", "540100"),
    "SITE_NAME": _("Lhasa Government Service Good/Bad Review"),
}

# --- Background jobs (haochaping.jobs; defaults in haochaping/jobs/conf.py, see docs/jobs.md) --
HAOCHAPING_JOBS = {
    "LEASE_SECONDS": float(os.environ.get("HAOCHAPING_JOBS_LEASE_SECONDS", "60")),
    "HEARTBEAT_SECONDS": float(os.environ.get("HAOCHAPING_JOBS_HEARTBEAT_SECONDS", "10")),
    "RECOVER_SECONDS": float(os.environ.get("HAOCHAPING_JOBS_RECOVER_SECONDS", "15")),
    "EXTRA_PERIODIC": os.environ.get("HAOCHAPING_JOBS_EXTRA_PERIODIC", ""),
}
# --- Monitoring (haochaping.core.conf; docs/deploy.md "Monitoring") --------------------------
HAOCHAPING_MONITORING = {
    "METRICS_ALLOW": os.environ.get("HAOCHAPING_METRICS_ALLOW", "127.0.0.0/8,::1/128"),
    "METRICS_TOKEN": os.environ.get("HAOCHAPING_METRICS_TOKEN", ""),
    "HEALTHZ_QUEUE_MAX_AGE_SECONDS": float(
        os.environ.get("HAOCHAPING_HEALTHZ_QUEUE_MAX_AGE_SECONDS", "300")
    ),
    "HEALTHZ_REQUIRE_WORKER": _env_bool("HAOCHAPING_HEALTHZ_REQUIRE_WORKER", False),
}
# --- SMS (haochaping.notifications.sms): backend log (default) | http | file -----------------
HAOCHAPING_SMS = {
    "BACKEND": os.environ.get("HAOCHAPING_SMS_BACKEND", "log"),
    "FILE_PATH": os.environ.get("HAOCHAPING_SMS_FILE", str(DATA_DIR / "sms-outbox.jsonl")),
    "HTTP": {
        "URL": os.environ.get("HAOCHAPING_SMS_HTTP_URL", ""),
        "FORMAT": os.environ.get("HAOCHAPING_SMS_HTTP_FORMAT", "json"),
        "BODY": {"mobile": "{phone}", "content": "{text}", "msgId": "{message_id}"},
        "SIGNATURE": {
            "SECRET": os.environ.get("HAOCHAPING_SMS_HTTP_SECRET", ""),
            "HEADER": "X-Signature",
        },
        "TIMEOUT": 10,
    },
    "RATE_LIMITS": [(60, 3), (3600, 10), (86400, 30)],  # (seconds, most SMS) per recipient
    "MAX_ATTEMPTS": 3,
}
# --- Regional platform push (haochaping.dataout; defaults in haochaping/dataout/conf.py, docs/dataout.md)
HAOCHAPING_DATAOUT = {
    "ENABLED": _env_bool("HAOCHAPING_DATAOUT_ENABLED", True),
    "PLATFORM_URL": os.environ.get("HAOCHAPING_DATAOUT_URL", "http://127.0.0.1:8765"),
    "ADAPTER": os.environ.get("HAOCHAPING_DATAOUT_ADAPTER", "tibet_v1"),
    "CLIENT_ID": os.environ.get("HAOCHAPING_DATAOUT_CLIENT_ID", ""),
    "SECRET": os.environ.get("HAOCHAPING_DATAOUT_SECRET", ""),
    "SOURCE_SYSTEM": os.environ.get("HAOCHAPING_DATAOUT_SOURCE_SYSTEM", "540100-HCP"),
    "MAX_ATTEMPTS": int(os.environ.get("HAOCHAPING_DATAOUT_MAX_ATTEMPTS", "8")),
    "BACKOFF_BASE_SECONDS": float(os.environ.get("HAOCHAPING_DATAOUT_BACKOFF_BASE_SECONDS", "5")),
    "BACKOFF_MAX_SECONDS": float(os.environ.get("HAOCHAPING_DATAOUT_BACKOFF_MAX_SECONDS", "3600")),
    "LEASE_SECONDS": float(os.environ.get("HAOCHAPING_DATAOUT_LEASE_SECONDS", "60")),
    "TIMEOUT_SECONDS": float(os.environ.get("HAOCHAPING_DATAOUT_TIMEOUT_SECONDS", "10")),
    "KICK_JOB": _env_bool("HAOCHAPING_DATAOUT_KICK_JOB", True),
}
