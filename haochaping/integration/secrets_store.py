"""Encryption at rest of client secrets (Fernet with a key derived from SECRET_KEY).

Rotating SECRET_KEY makes stored secrets unreadable: re-create the clients then.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    raw = hashlib.sha256(b"haochaping.integration.client-secret:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt_secret(secret: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(secret.encode()).decode()


@lru_cache(maxsize=1024)
def decrypt_secret(token: str) -> str:
    return _fernet(settings.SECRET_KEY).decrypt(token.encode()).decode()
