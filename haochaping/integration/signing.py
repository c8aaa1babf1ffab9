"""Signing of API requests (HMAC-SHA256), shared by the server, tests, the benchmark and devices.

String to sign (every part UTF-8, joined by a single newline):

    METHOD            upper case, e.g. POST
    PATH              without the query string, e.g. /api/v1/ratings
    TIMESTAMP         unix seconds as decimal digits
    NONCE             16 to 64 characters from [A-Za-z0-9_-], single use
    SHA256(BODY)      lowercase hex SHA-256 of the raw body bytes (of b"" for GET)

Signature = lowercase hex HMAC-SHA256(key = secret as UTF-8, message = string to sign), sent
with headers X-HCP-App, X-HCP-Timestamp, X-HCP-Nonce and X-HCP-Signature.
This module has no Django dependency so a device or vendor can copy it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER_APP = "X-HCP-App"
HEADER_TIMESTAMP = "X-HCP-Timestamp"
HEADER_NONCE = "X-HCP-Nonce"
HEADER_SIGNATURE = "X-HCP-Signature"
MAX_SKEW_SECONDS = 300
NONCE_MIN_LENGTH = 16
NONCE_MAX_LENGTH = 64


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str | int, nonce: str, body: bytes) -> str:
    return "\n".join(
        [method.upper(), path.split("?", 1)[0], str(timestamp), nonce, body_digest(body)]
    )


def sign(secret: str, method: str, path: str, timestamp: str | int, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    method: str,
    path: str,
    timestamp: str | int,
    nonce: str,
    body: bytes,
    signature: str,
) -> bool:
    """Constant-time comparison of ``signature`` with the expected one."""
    expected = sign(secret, method, path, timestamp, nonce, body)
    return hmac.compare_digest(expected, signature)


def signed_headers(
    app_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four X-HCP-* headers for one request (a fresh nonce and the current time by default)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        HEADER_APP: app_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, method, path, ts, nonce, body),
    }
