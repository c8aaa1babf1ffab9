"""HMAC request signing as a django-ninja auth class (see signing.py for the string to sign).

Order of checks, each with its own 401 code: headers present (auth_missing) → timestamp within
±300 s (auth_stale_timestamp) → client known and signature right (auth_bad_signature) → client
not revoked (auth_revoked) → nonce not used before (auth_replayed_nonce). The nonce is recorded
only for a correctly signed request, so nobody can burn a client's nonces.
"""

from __future__ import annotations

import random
import re

from django.http import HttpRequest
from django.utils.encoding import escape_uri_path
from ninja.security.base import AuthBase

from haochaping.core.clock import now
from haochaping.integration.exceptions import (
    AuthBadSignature,
    AuthMissing,
    AuthReplayedNonce,
    AuthRevoked,
    AuthStaleTimestamp,
)
from haochaping.integration.models import IntegrationClient
from haochaping.integration.secrets_store import decrypt_secret
from haochaping.integration.selectors import integration_client_get
from haochaping.integration.services import nonce_purge, nonce_use
from haochaping.integration.signing import (
    HEADER_APP,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_SKEW_SECONDS,
    verify,
)

_NONCE_RE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")
_TIMESTAMP_RE = re.compile(r"^\d{1,12}$")
PURGE_PROBABILITY = 0.01  # about one request in a hundred also deletes expired nonces


class HmacAuth(AuthBase):
    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = HEADER_SIGNATURE
    openapi_description = (
        "HMAC-SHA256 request signature. Also send X-HCP-App, X-HCP-Timestamp and X-HCP-Nonce; "
        "see docs/api.md."
    )

    def __call__(self, request: HttpRequest) -> IntegrationClient:
        headers = request.headers
        app_id = headers.get(HEADER_APP, "")
        timestamp = headers.get(HEADER_TIMESTAMP, "")
        nonce = headers.get(HEADER_NONCE, "")
        signature = headers.get(HEADER_SIGNATURE, "")
        if not (app_id and timestamp and nonce and signature):
            raise AuthMissing()
        if not _TIMESTAMP_RE.fullmatch(timestamp) or not _NONCE_RE.fullmatch(nonce):
            raise AuthMissing()
        if abs(now().timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise AuthStaleTimestamp()
        client = integration_client_get(app_id=app_id)
        if client is None:
            raise AuthBadSignature()
        secret = decrypt_secret(client.secret_encrypted)
        method, body, signature = request.method or "", request.body, signature.lower()
        # The path as sent (percent-encoded) or decoded: both sign the same request.
        ok = verify(
            secret, method, escape_uri_path(request.path), timestamp, nonce, body, signature
        ) or verify(secret, method, request.path, timestamp, nonce, body, signature)
        if not ok:
            raise AuthBadSignature()
        if client.revoked_at is not None:
            raise AuthRevoked()
        if not nonce_use(client=client, nonce=nonce):
            raise AuthReplayedNonce()
        if random.random() < PURGE_PROBABILITY:  # noqa: S311 - load spreading, not security
            nonce_purge()
        return client


hmac_auth = HmacAuth()
