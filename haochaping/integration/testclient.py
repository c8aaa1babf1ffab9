"""A Django test client that signs every request like a vendor system would (tests, demo checks)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from haochaping.integration.signing import signed_headers


class SignedClient:
    def __init__(self, app_id: str, secret: str, client: Client | None = None) -> None:
        self.app_id = app_id
        self.secret = secret
        self.client = client or Client()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        **sign_kw,
    ):
        raw = (
            b""
            if body is None
            else (
                body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            )
        )
        signed = signed_headers(self.app_id, self.secret, method, path, raw, **sign_kw)
        signed.update(headers or {})
        if method == "GET":
            return self.client.get(path, headers=signed)
        return self.client.generic(
            method, path, raw, content_type="application/json", headers=signed
        )

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw):
        return self.request("POST", path, body, **kw)
