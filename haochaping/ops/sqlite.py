"""SQLite: the online backup API for a consistent copy of a live WAL database, and a restore that
replaces the file atomically.

Backup: ``sqlite3.Connection.backup`` copies every page in one step under one read transaction,
so the copy is a consistent snapshot even while the server writes (WAL readers do not block the
writer). The manifest is computed from the copy, so it describes exactly what is restored.

Restore: the payload is unpacked next to the database file, checked (``PRAGMA integrity_check``),
fsynced and renamed over the database in one ``os.replace``; the stale ``-wal`` / ``-shm`` files
of the old database are removed first (SQLite would otherwise replay the old WAL into the new
file). The old file stays as ``<name>.before-restore``. A restore refuses while another process
has the database open (the server seems to be running) unless ``--force``.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection, connections

from haochaping.ops.manifest import Refusal

COPY_ALIAS = "ops_backup_copy"


def database_path() -> Path:
    return Path(str(connection.settings_dict["NAME"])).resolve()


def server_version() -> str:
    return sqlite3.sqlite_version


@contextlib.contextmanager
def copy_alias(path: Path) -> Iterator[str]:
    """A temporary database alias on ``path`` (same options as default)."""
    connections.settings[COPY_ALIAS] = {**connection.settings_dict, "NAME": str(path)}
    try:
        yield COPY_ALIAS
    finally:
        connections[COPY_ALIAS].close()
        del connections[COPY_ALIAS]
        connections.settings.pop(COPY_ALIAS, None)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def dump(
    payload: Path,
    *,
    build_manifest: Callable[[str], dict],
    say: Callable[[str], None],
) -> dict:
    source_path = database_path()
    if not source_path.exists():
        raise FileNotFoundError(f"no database at {source_path}")
    copy = payload.with_name("copy.sqlite3")
    say(f"sqlite3 online backup of {source_path} ...")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    with copy_alias(copy) as alias:
        manifest = build_manifest(alias)
    # The copy is in WAL mode like its source: fold everything into the one file to ship.
    con = sqlite3.connect(copy)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    with copy.open("rb") as src, gzip.open(payload, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    copy.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    return manifest


def open_by_others(path: Path) -> list[str]:
    """Processes other than this one holding the database (or its WAL) open (Linux /proc)."""
    targets = {str(path), f"{path}-wal", f"{path}-shm"}
    found: list[str] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in targets:
                    cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                    found.append(f"pid {entry.name} ({cmd[:80]})")
                    break
            except OSError:
                continue
    return found


def restore(payload_gz: Path, *, force: bool, say: Callable[[str], None]) -> Path:
    """Replace the database file with the payload; returns the path of the previous file."""
    target = database_path()
    users = open_by_others(target)
    if users and not force:
        raise Refusal(
            "database",
            f"{target} is open in {len(users)} other process(es) ({'; '.join(users[:5])}): the "
            "server seems to be running. Stop the web server and workers first, or pass --force",
        )
    connections.close_all()
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.restoring")
    with gzip.open(payload_gz, "rb") as src, fresh.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    con = sqlite3.connect(fresh)
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    finally:
        con.close()
    if result != "ok":
        fresh.unlink(missing_ok=True)
        raise Refusal(
            "manifest.payload", f"the database in the backup fails integrity_check: {result}"
        )
    for suffix in ("-wal", "-shm"):
        Path(str(fresh) + suffix).unlink(missing_ok=True)
    previous = target.with_name(target.name + ".before-restore")
    if target.exists():
        # Fold the old database's WAL into its file, so the kept copy is complete.
        with contextlib.suppress(sqlite3.Error):
            con = sqlite3.connect(target, timeout=5)
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                con.close()
        previous.unlink(missing_ok=True)
        os.link(target, previous)
        say(f"the previous database is kept as {previous}")
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(fresh, target)
    _fsync(target.parent)
    return previous
