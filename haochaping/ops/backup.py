"""Backup and restore of the whole database: ``haochaping backup`` / ``haochaping restore``.

:func:`backup_create` writes one file (tar: manifest.json + the vendor's dump, see
``ops/manifest.py``); :func:`backup_restore` checks a file against this code and this database,
restores it, runs ``migrate`` when the backup is older than the code, and checks row counts and
the data keys. Both report progress through ``say`` and raise :class:`~ops.manifest.Refusal`
(a backup that must not be restored here) or :class:`ToolError` (a client tool failed).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from haochaping.core.clock import now
from haochaping.ops import manifest as mf
from haochaping.ops import postgres, sqlite
from haochaping.ops.postgres import ToolError

__all__ = ["BackupResult", "RestoreResult", "ToolError", "backup_create", "backup_restore"]

Say = Callable[[str], None]


@dataclass
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    manifest: dict


@dataclass
class RestoreResult:
    seconds: float
    migrated: list[str]
    warnings: list[str] = field(default_factory=list)
    previous: Path | None = None


def vendor() -> str:
    if connection.vendor not in mf.PAYLOAD_NAMES:
        raise ToolError(f"backup supports PostgreSQL and SQLite, not {connection.vendor}")
    return connection.vendor


def default_output(directory: Path) -> Path:
    return directory / f"haochaping-{vendor()}-{now():%Y%m%dT%H%M%SZ}.backup.tar"


def backup_create(output: Path, *, say: Say = print) -> BackupResult:
    started = time.perf_counter()
    kind = vendor()
    created_at = now().isoformat(timespec="seconds")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".haochaping-backup-", dir=output.parent) as tmp:
        payload = Path(tmp) / mf.PAYLOAD_NAMES[kind]
        if kind == "postgresql":
            server = postgres.server_version()[1]
            manifest = postgres.dump(
                payload,
                build_manifest=lambda: mf.build(
                    alias="default",
                    vendor=kind,
                    server_version=server,
                    client="",
                    created_at=created_at,
                ),
                say=say,
            )
        else:
            manifest = sqlite.dump(
                payload,
                build_manifest=lambda alias: mf.build(
                    alias=alias,
                    vendor=kind,
                    server_version=sqlite.server_version(),
                    client=f"python sqlite3 {sqlite.server_version()}",
                    created_at=created_at,
                ),
                say=say,
            )
        say("writing the manifest and checksum ...")
        mf.write_archive(output, manifest, payload)
    return BackupResult(
        path=output,
        bytes=output.stat().st_size,
        seconds=time.perf_counter() - started,
        manifest=manifest,
    )


def backup_restore(path: Path, *, force: bool = False, say: Say = print) -> RestoreResult:
    started = time.perf_counter()
    kind = vendor()
    manifest = mf.read_manifest(path)
    plan = mf.check(manifest, vendor=kind)
    warnings = []
    if plan.missing_keys:
        warnings.append(
            "the backup's citizen data is encrypted under key(s) "
            f"{', '.join(plan.missing_keys)} that HAOCHAPING_DATA_KEYS does not hold: restore "
            "the keys from their own backup (docs/backup.md)"
        )
        say("warning: " + warnings[-1])
    say(
        f"backup of {manifest['created_at']} (haochaping {manifest['haochaping_version']}, "
        f"{kind} {manifest['server_version']}); checking the checksum ..."
    )
    previous = None
    with tempfile.TemporaryDirectory(prefix=".haochaping-restore-") as tmp:
        payload = Path(tmp) / mf.PAYLOAD_NAMES[kind]
        with payload.open("wb") as dest:
            mf.extract_payload(path, manifest, dest)
        if kind == "postgresql":
            postgres.restore(payload, manifest, force=force, say=say)
        else:
            previous = sqlite.restore(payload, force=force, say=say)
    connection.close()
    mismatch = mf.counts_mismatch(manifest.get("row_counts") or {})
    if mismatch:
        raise ToolError("the restored database differs from the backup: " + "; ".join(mismatch))
    say(
        "row counts match the manifest: "
        + ", ".join(f"{label} {n}" for label, n in (manifest.get("row_counts") or {}).items())
    )
    if plan.migrate_after:
        say(f"the backup is older than this code: applying {len(plan.migrate_after)} migration(s)")
        call_command("migrate", interactive=False, verbosity=1)
    needed = (manifest.get("data_keys") or {}).get("key_ids") or []
    for problem in mf.key_problems([k for k in needed if k not in plan.missing_keys]):
        warnings.append(problem)
        say("warning: " + problem)
    missing, examples = mf.missing_media()
    if missing:
        warnings.append(
            f"{missing} evidence file(s) named in the database are not under MEDIA_ROOT (for "
            f"example {', '.join(examples)}): restore the media directory from its own backup"
        )
        say("warning: " + warnings[-1])
    return RestoreResult(
        seconds=time.perf_counter() - started,
        migrated=plan.migrate_after,
        warnings=warnings,
        previous=previous,
    )
