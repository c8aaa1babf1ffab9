"""Encryption at rest of citizens' identifiers (ID numbers, credit codes of persons, mobiles).

Deterministic authenticated encryption, AES-SIV (RFC 5297) from ``cryptography``: the same
plaintext under the same key gives the same ciphertext, so equality look-ups (``filter(mobile=x)``,
``__in``, ``exclude``), GROUP BY and the existing indexes keep working on the ciphertext. What an
observer of the database learns is only "these two rows hold the same value" (docs/decisions.md).

Keys come from ``HAOCHAPING_DATA_KEYS``: ``id:base64key,id:base64key,...``, the FIRST being the
current key (new writes), the others kept to read rows not yet rotated
(``haochaping data-keys rotate``). Keys are 32, 48 or 64 random bytes (AES-128/192/256-SIV);
``haochaping data-keys generate ID`` prints one. Without the variable a development key is derived
from SECRET_KEY (logged as a warning; the deploy check ``core.E002`` refuses it).

Stored form: ``enc1:<key id>:<base64url(SIV tag + ciphertext)>``. The empty string stays empty
(``blank`` checks and partial-index conditions keep working). Anything else not starting with the
prefix is a plaintext row not yet converted and is read as is.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

PREFIX = "enc1:"
DEV_KEY_ID = "dev"
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
KEY_SIZES = (32, 48, 64)
# Associated data: binds ciphertexts to this scheme (not to a column: values are compared across
# tables, e.g. a rating's mobile with the integrity fingerprint's).
_AD = [b"haochaping-citizen-data-v1"]


class DecryptionError(ValueError):
    """A stored value that no configured key opens (wrong key set, or a tampered row)."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, AESSIV]
    is_dev: bool = False

    @property
    def ids(self) -> list[str]:
        return list(self.keys)


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """``id:base64,id:base64`` -> [(id, key bytes)], first = current. Raises ImproperlyConfigured."""
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, b64 = part.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                "HAOCHAPING_DATA_KEYS: each entry is id:base64key with an id of letters, digits,"
                " '-' or '_' (at most 16)."
            )
        try:
            raw = base64.b64decode(b64.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(
                f"HAOCHAPING_DATA_KEYS: key {key_id} is not base64."
            ) from exc
        if len(raw) not in KEY_SIZES:
            raise ImproperlyConfigured(
                f"HAOCHAPING_DATA_KEYS: key {key_id} has {len(raw)} bytes; use 32, 48 or 64."
            )
        if key_id in dict(keys):
            raise ImproperlyConfigured(f"HAOCHAPING_DATA_KEYS: key id {key_id} appears twice.")
        keys.append((key_id, raw))
    return keys


def dev_key(secret_key: str) -> bytes:
    """A 64-byte key derived from SECRET_KEY (development and tests only)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=64, salt=b"haochaping-data-key", info=b"dev"
    ).derive(secret_key.encode())


@lru_cache(maxsize=8)
def _keyring(spec: str, secret_key: str) -> Keyring:
    parsed = parse_keys(spec)
    if not parsed:
        logger.warning(
            "HAOCHAPING_DATA_KEYS is not set: citizen data is encrypted with a key derived from"
            " SECRET_KEY. Set HAOCHAPING_DATA_KEYS in production."
        )
        return Keyring(DEV_KEY_ID, {DEV_KEY_ID: AESSIV(dev_key(secret_key))}, is_dev=True)
    return Keyring(parsed[0][0], {k: AESSIV(raw) for k, raw in parsed})


def keyring() -> Keyring:
    """The configured keys (cached per settings value, so tests may override the setting)."""
    return _keyring(getattr(settings, "HAOCHAPING_DATA_KEYS", "") or "", settings.SECRET_KEY)


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def key_id_of(value: str) -> str | None:
    if not is_encrypted(value):
        return None
    return value[len(PREFIX) :].partition(":")[0]


def encrypt(plaintext: str, *, key_id: str | None = None) -> str:
    """The stored form of ``plaintext`` under the current key (or ``key_id``)."""
    if plaintext == "" or is_encrypted(plaintext):
        return plaintext
    ring = keyring()
    kid = key_id or ring.current_id
    return _sealed(ring.keys[kid], kid, plaintext)


def encrypter(key_id: str | None = None) -> Callable[[str], str]:
    """``encrypt`` with its key looked up once, for bulk work (one call per value): the
    settings, the keyring and the key are not looked up again for every value."""
    ring = keyring()
    kid = key_id or ring.current_id
    key = ring.keys[kid]

    def encrypt_one(plaintext: str) -> str:
        if plaintext == "" or is_encrypted(plaintext):
            return plaintext
        return _sealed(key, kid, plaintext)

    return encrypt_one


def _sealed(key: AESSIV, kid: str, plaintext: str) -> str:
    token = key.encrypt(plaintext.encode(), _AD)
    return f"{PREFIX}{kid}:{base64.urlsafe_b64encode(token).rstrip(b'=').decode()}"


def encrypt_all_keys(plaintext: str) -> list[str]:
    """The stored forms under every configured key (equality look-ups during a rotation)."""
    if plaintext == "" or is_encrypted(plaintext):
        return [plaintext]
    return [encrypt(plaintext, key_id=kid) for kid in keyring().ids]


def decrypt(stored: str) -> str:
    """The plaintext of a stored value; plaintext rows not yet converted pass through."""
    if not is_encrypted(stored):
        return stored
    kid, _sep, b64 = stored[len(PREFIX) :].partition(":")
    cipher = keyring().keys.get(kid)
    if cipher is None:
        raise DecryptionError(f"no key {kid!r} in HAOCHAPING_DATA_KEYS")
    try:
        token = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        return cipher.decrypt(token, _AD).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"a value under key {kid!r} does not decrypt") from exc


def stored_length(plaintext_chars: int) -> int:
    """Column length for a plaintext of up to ``plaintext_chars`` characters (UTF-8, 4 bytes max)."""
    token = 16 + 4 * plaintext_chars
    return len(PREFIX) + 16 + 1 + (token * 4 + 2) // 3
