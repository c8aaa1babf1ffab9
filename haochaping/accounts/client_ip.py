"""The client's address for login throttling (django-axes) behind a reverse proxy."""

from __future__ import annotations

from django.http import HttpRequest

from haochaping.accounts.conf import accounts_setting


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind ``TRUSTED_PROXIES`` proxies the address the outermost one saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    trusted proxies the client is the N-th entry from the right; anything further left was
    written by the client and is not trusted.
    """
    proxies = int(accounts_setting("TRUSTED_PROXIES"))
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return hops[-proxies]
