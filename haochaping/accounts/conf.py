"""Account settings: ``settings.HAOCHAPING_ACCOUNTS`` over these defaults (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from haochaping.accounts.enums import Role

DEFAULTS: dict[str, Any] = {
    # A session ends after this long without a request ...
    "SESSION_IDLE_SECONDS": 30 * 60,
    # ... and this long after the login, whatever the activity.
    "SESSION_ABSOLUTE_SECONDS": 8 * 60 * 60,
    # Accounts without a login for this many days are deactivated by the daily job.
    "INACTIVE_DAYS": 90,
    # Roles that log in with a password and a TOTP code.
    "SECOND_FACTOR_ROLES": [Role.ADMIN, Role.LIAISON, Role.REVIEWER],
    # Refuse an authenticated session of a second-factor role that did not pass the second
    # factor (a login path other than ours, for example). Tests that force_login turn it off.
    "ENFORCE_SECOND_FACTOR": True,
    # How long the password step is remembered while the user types the code.
    "PENDING_LOGIN_SECONDS": 5 * 60,
    # Reverse proxies in front of the site that append to X-Forwarded-For (client_ip.py);
    # 0: REMOTE_ADDR is the client. Production settings read HAOCHAPING_TRUSTED_PROXIES.
    "TRUSTED_PROXIES": 0,
}


def accounts_setting(name: str) -> Any:
    return getattr(settings, "HAOCHAPING_ACCOUNTS", {}).get(name, DEFAULTS[name])
