"""HTTP to the platform: keep-alive connections (one per thread), HMAC-signed requests.

Signing reuses :mod:`haochaping.integration.signing` (the scheme our own API checks): headers
X-HCP-App, X-HCP-Timestamp, X-HCP-Nonce, X-HCP-Signature over method, path, time, nonce and the
body's SHA-256. Stdlib ``http.client`` only: the server may be on a government intranet.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from haochaping.integration import signing


class TransportError(Exception):
    """The request did not get a usable HTTP answer (refused, reset, timed out, garbled)."""


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


class Transport:
    def __init__(
        self, base_url: str, *, client_id: str = "", secret: str = "", timeout: float = 10.0
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"platform URL must be http(s)://host[:port]: {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.client_id = client_id
        self.secret = secret
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def reset(self) -> None:
        """Drop this thread's connection (after an error or a reply we cannot trust)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.secret:
            ts = str(int(time.time()))
            nonce = secrets.token_urlsafe(18)
            headers.update(
                {
                    signing.HEADER_APP: self.client_id,
                    signing.HEADER_TIMESTAMP: ts,
                    signing.HEADER_NONCE: nonce,
                    signing.HEADER_SIGNATURE: signing.sign(
                        self.secret, method, path, ts, nonce, body
                    ),
                }
            )
        return headers

    def request(
        self, method: str, path: str, *, body: bytes = b"", query: dict[str, str] | None = None
    ) -> HttpReply:
        full_path = self.prefix + path
        url = full_path + (("?" + urlencode(query)) if query else "")
        headers = self._headers(method, full_path, body)
        conn = self._connection()
        try:
            conn.request(method, url, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.reset()
        except (OSError, http.client.HTTPException) as exc:
            self.reset()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return HttpReply(status=resp.status, body=data)

    def close(self) -> None:
        self.reset()
