"""Secrets of this app: device tokens, pairing codes and rating-link tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets

PAIRING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: typed on a tablet
PAIRING_LENGTH = 8


def token_hash(token: str) -> str:
    """SHA-256 hex of a high-entropy token (a hash is enough: the token cannot be guessed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_device_token() -> str:
    return secrets.token_urlsafe(32)


def new_link_token() -> str:
    # 128 bits, 22 characters: short enough for a small QR code on a receipt.
    return secrets.token_urlsafe(16)


def new_pairing_code() -> str:
    return "".join(secrets.choice(PAIRING_ALPHABET) for _i in range(PAIRING_LENGTH))


def normalise_pairing_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())
