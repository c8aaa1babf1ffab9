"""The manifest inside every backup file, and the checks a restore makes against it.

A backup file is an uncompressed tar holding ``manifest.json`` first and then one payload
(``database.dump``: ``pg_dump --format=custom``; ``database.sqlite3.gz``: the SQLite online-backup
copy, gzipped). The manifest says what the payload is and what it needs:

- ``format`` / ``format_version``: this layout (a restore refuses formats it does not know);
- ``vendor``: ``postgresql`` or ``sqlite`` (a restore refuses the other vendor's backup);
- ``migrations``: every applied Django migration per app, and ``migration_heads`` (the last one
  per app, for people); a restore refuses a backup with migrations this code does not have and
  runs ``migrate`` after restoring one that lacks some;
- ``row_counts``: rows of the key tables, checked again after the restore;
- ``data_keys``: the ids of the HAOCHAPING_DATA_KEYS keys the encrypted citizen data is under
  (the backup holds ciphertext only; keys are backed up separately, docs/backup.md);
- ``payload``: member name, size and SHA-256 (checked before anything is restored);
- ``created_at``, ``haochaping_version``, ``server_version``, ``client`` (pg_dump's version).

Every field is read by :func:`check` into :class:`Refusal` messages that name the field.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from haochaping.core import crypto, reencrypt

FORMAT = "haochaping-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3.gz"}
# Tables whose row counts go in the manifest and are checked after a restore.
KEY_MODELS = (
    "accounts.User",
    "org.Region",
    "org.Unit",
    "catalog.ServiceItem",
    "cases.Case",
    "ratings.Rating",
    "rectification.Rectification",
    "appeals.Appeal",
    "reporting.Report",
    "audit.AuditRecord",
)
CHUNK = 1 << 20


class Refusal(Exception):
    """A backup that must not be restored here; ``field`` names the manifest field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Plan:
    """What a restore will do, decided from the manifest before anything changes."""

    manifest: dict[str, Any]
    migrate_after: list[str]  # migrations the code has and the backup lacks
    missing_keys: list[str]  # key ids the backup needs and HAOCHAPING_DATA_KEYS lacks


def key_tables() -> dict[str, str]:
    """label -> db_table of the key models installed."""
    out = {}
    for label in KEY_MODELS:
        try:
            out[label] = apps.get_model(label)._meta.db_table
        except LookupError:
            continue
    return out


def applied_migrations(alias: str = "default") -> dict[str, list[str]]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
        rows = cursor.fetchall()
    out: dict[str, list[str]] = {}
    for app, name in rows:
        out.setdefault(app, []).append(name)
    return out


def row_counts(alias: str = "default") -> dict[str, int]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for label, table in key_tables().items():
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608 - model tables
            counts[label] = cursor.fetchone()[0]
    return counts


def data_keys(alias: str = "default") -> dict[str, Any]:
    """Key ids per encrypted model, counted as ``haochaping data-keys status`` counts them."""
    by_model = {}
    key_ids: set[str] = set()
    for model in reencrypt.encrypted_models():
        progress = reencrypt.convert_model(
            model, lambda v: v, using=alias, dry_run=True, batch_size=5000
        )
        by_model[progress.model] = progress.by_key
        key_ids.update(k for k in progress.by_key if k not in {"plain", "empty"})
    return {"key_ids": sorted(key_ids), "values_by_key": by_model}


def heads(migrations: dict[str, list[str]]) -> dict[str, str]:
    return {app: names[-1] for app, names in migrations.items() if names}


def build(
    *, alias: str, vendor: str, server_version: str, client: str, created_at: str
) -> dict[str, Any]:
    from haochaping import __version__

    migrations = applied_migrations(alias)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "vendor": vendor,
        "created_at": created_at,
        "haochaping_version": __version__,
        "server_version": server_version,
        "client": client,
        "migration_heads": heads(migrations),
        "migrations": migrations,
        "row_counts": row_counts(alias),
        "data_keys": data_keys(alias),
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def write_archive(out: Path, manifest: dict[str, Any], payload: Path) -> None:
    """``out`` = tar(manifest.json, payload), written to a temporary name, fsynced, renamed."""
    name = PAYLOAD_NAMES[manifest["vendor"]]
    manifest["payload"] = {
        "name": name,
        "bytes": payload.stat().st_size,
        "sha256": sha256_file(payload),
    }
    body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
    partial = out.with_name(out.name + ".partial")
    with partial.open("wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(body)
        info.mode = 0o600
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(body))
        tar.add(payload, arcname=name, recursive=False)
    with partial.open("rb+") as fh:
        fh.flush()
        os.fsync(fh.fileno())
    partial.chmod(0o600)
    partial.replace(out)


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = tar.getmember(MANIFEST_NAME)
            fh = tar.extractfile(member)
            if fh is None:
                raise Refusal("manifest", f"{MANIFEST_NAME} in {path} is not a file")
            data = json.loads(fh.read().decode())
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise Refusal("file", f"{path} is not a haochaping backup ({exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refusal("manifest", f"{MANIFEST_NAME} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Refusal("manifest.format", f"expected {FORMAT!r}, found {data.get('format')!r}")
    if data.get("format_version") != FORMAT_VERSION:
        raise Refusal(
            "manifest.format_version",
            f"this haochaping reads version {FORMAT_VERSION}, the backup is version "
            f"{data.get('format_version')!r}",
        )
    return data


def extract_payload(path: Path, manifest: dict[str, Any], dest: BinaryIO) -> None:
    """Copy the payload into ``dest`` and check its size and SHA-256 against the manifest."""
    payload = manifest.get("payload") or {}
    name = str(payload.get("name") or "")
    if name != PAYLOAD_NAMES.get(manifest.get("vendor", "")):
        raise Refusal("manifest.payload.name", f"unexpected payload {name!r}")
    digest = hashlib.sha256()
    size = 0
    with tarfile.open(path, mode="r:") as tar:
        try:
            fh = tar.extractfile(tar.getmember(name))
        except KeyError as exc:
            raise Refusal("manifest.payload.name", f"{name} is missing from {path}") from exc
        if fh is None:
            raise Refusal("manifest.payload.name", f"{name} in {path} is not a file")
        while block := fh.read(CHUNK):
            digest.update(block)
            size += len(block)
            dest.write(block)
    dest.flush()
    if digest.hexdigest() != payload.get("sha256"):
        raise Refusal(
            "manifest.payload.sha256",
            f"the database dump does not match its checksum (manifest {payload.get('sha256')}, "
            f"file {digest.hexdigest()}): the backup is damaged or was changed",
        )
    if size != payload.get("bytes"):
        raise Refusal(
            "manifest.payload.bytes", f"expected {payload.get('bytes')} bytes, found {size}"
        )


def _code_migrations() -> tuple[set[tuple[str, str]], list[tuple[str, str]]]:
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    return known, sorted(known)


def check(manifest: dict[str, Any], *, vendor: str) -> Plan:
    """Refuse what cannot be restored here; say what the restore must do after."""
    if manifest.get("vendor") != vendor:
        raise Refusal(
            "manifest.vendor",
            f"this backup is of a {manifest.get('vendor')} database; the configured database "
            f"(DATABASE_URL) is {vendor}. Restore it into a {manifest.get('vendor')} database.",
        )
    applied = {
        (app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names
    }
    if not applied:
        raise Refusal("manifest.migrations", "the backup lists no applied migrations")
    known, ordered = _code_migrations()
    unknown = sorted(applied - known)
    if unknown:
        listed = ", ".join(f"{a}.{n}" for a, n in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise Refusal(
            "manifest.migrations",
            f"the backup has migrations this code does not know ({listed}{more}): it was made "
            f"by a newer haochaping ({manifest.get('haochaping_version')}). Install that "
            "version (or newer) and restore again.",
        )
    migrate_after = [f"{a}.{n}" for a, n in ordered if (a, n) not in applied]
    needed = (manifest.get("data_keys") or {}).get("key_ids") or []
    ring = crypto.keyring()
    missing = [k for k in needed if k not in ring.keys]
    return Plan(manifest=manifest, migrate_after=migrate_after, missing_keys=missing)


def counts_mismatch(expected: dict[str, int], alias: str = "default") -> list[str]:
    found = row_counts(alias)
    return [
        f"{label}: {found.get(label)} rows, the backup had {n}"
        for label, n in expected.items()
        if label in found and found[label] != n
    ]


def key_problems(key_ids: Iterable[str], alias: str = "default") -> list[str]:
    """For each key id the data is under: is it configured, and does it open a sample value?"""
    ring = crypto.keyring()
    problems = []
    connection = connections[alias]
    qn = connection.ops.quote_name
    for key_id in key_ids:
        if key_id not in ring.keys:
            problems.append(
                f"key {key_id!r} is not in HAOCHAPING_DATA_KEYS: citizens' ID numbers and "
                "mobiles under it cannot be read"
            )
            continue
        sample = None
        for model in reencrypt.encrypted_models():
            for field in reencrypt.encrypted_fields(model):
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {qn(field.column)} FROM {qn(model._meta.db_table)} "  # noqa: S608
                        f"WHERE {qn(field.column)} LIKE %s LIMIT 1",
                        [f"{crypto.PREFIX}{key_id}:%"],
                    )
                    row = cursor.fetchone()
                if row:
                    sample = (model._meta.label, field.name, row[0])
                    break
            if sample:
                break
        if sample is None:
            continue
        try:
            crypto.decrypt(sample[2])
        except crypto.DecryptionError:
            problems.append(
                f"key {key_id!r} in HAOCHAPING_DATA_KEYS does not decrypt {sample[0]}.{sample[1]}:"
                " a different key under the same id?"
            )
    return problems


def missing_media(limit: int = 5) -> tuple[int, list[str]]:
    """Evidence files the restored rows name but MEDIA_ROOT lacks (files are not in the backup)."""
    from django.db.models import FileField

    missing = 0
    examples: list[str] = []
    for model in apps.get_models():
        fields = [f for f in model._meta.local_fields if isinstance(f, FileField)]
        for field in fields:
            names = model._default_manager.exclude(**{field.name: ""}).values_list(
                field.name, flat=True
            )
            for name in names.iterator(chunk_size=2000):
                if not field.storage.exists(name):
                    missing += 1
                    if len(examples) < limit:
                        examples.append(name)
    return missing, examples
