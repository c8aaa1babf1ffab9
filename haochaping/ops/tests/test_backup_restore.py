"""`haochaping backup` and `haochaping restore` as an operator runs them: real commands in
subprocesses, real files, the database of this run (SQLite or PostgreSQL).

Data is built through the real services (cases, ratings, a bad one with its rectification
contacted, the audit chain sealed) in the test database; the backup is restored into a scratch
database (a file on SQLite, a database of its own on PostgreSQL) so the shared test database is
never replaced; the scratch copy is then changed and deleted from, restored again, and compared
row for row with the source.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.utils import load_backend

from haochaping.accounts.enums import Role
from haochaping.audit.sealer import audit_seal
from haochaping.ratings.enums import Level
from haochaping.rectification import services as rect_services
from haochaping.rectification.models import Rectification
from haochaping.rectification.tests.conftest import ensure_calendar
from haochaping.rectification.tests.helpers import bad_rating, completed_case
from haochaping.testing.builders import build_org_tree, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HAOCHAPING = str(Path(sys.executable).with_name("haochaping"))
SCRATCH = "ops_scratch"
TABLES = [
    "cases_case",
    "ratings_rating",
    "rectification_rectification",
    "rectification_rectificationevent",
    "audit_auditrecord",
    "org_unit",
    "accounts_user",
]


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def haochaping(*args: str, url: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "HAOCHAPING_LOG_LEVEL": "ERROR", **extra_env}
    return subprocess.run([HAOCHAPING, *args], env=env, capture_output=True, text=True, timeout=600)


def digest(conn) -> dict[str, tuple[int, str]]:
    """(row count, sha256 of every row in primary-key order) per key table."""
    out = {}
    with conn.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - fixed names
            rows = cursor.fetchall()
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


@pytest.fixture
def sealed_data(settings, tmp_path):
    """Cases, good ratings, a bad rating whose rectification was contacted with an evidence
    file (under tmp_path/data/media); the audit chain sealed."""
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    ensure_calendar()
    tree = build_org_tree()
    handler = make_user("h-police", Role.HANDLER, scope_unit=tree.police)
    from haochaping.core.clock import now
    from haochaping.ratings.enums import Channel
    from haochaping.ratings.services import rating_submit
    from haochaping.ratings.tests.test_rollups import REASON

    for level in (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC):
        rating_submit(
            case=completed_case(tree),
            level=level,
            channel=Channel.EVALUATOR,
            option_codes=REASON[level],
            assessed_at=now(),
            evaluator_name="卓玛",
            evaluator_mobile="13900000000",
        )
    bad = bad_rating(tree)
    rect = Rectification.objects.get(rating=bad)
    rect_services.rectification_contact(
        rectification_id=rect.pk,
        note="已电话联系群众",
        acting_user=handler,
        files=[SimpleUploadedFile("通话记录.pdf", b"%PDF-1.4 call log", "application/pdf")],
    )
    audit_seal()
    return tree


class Scratch:
    """A scratch database of the test database's vendor, reached through a connection of its
    own (not registered in django.db.connections: the test database is never touched)."""

    def __init__(self, settings_dict: dict) -> None:
        self.settings_dict = settings_dict
        self.url = database_url(settings_dict)
        self.connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
            settings_dict, SCRATCH
        )


@pytest.fixture
def scratch(tmp_path):
    """A scratch database of the same vendor: a file not created yet, or an empty database."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        settings_dict["NAME"] = f"{connection.settings_dict['NAME']}_restore"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    db = Scratch(settings_dict)
    yield db
    db.connection.close()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


def test_backup_then_restore_brings_every_row_back_and_the_audit_chain_verifies(
    sealed_data, scratch, tmp_path
):
    source_url = database_url(connection.settings_dict)
    scratch_url = scratch.url
    before = digest(connection)
    assert before["ratings_rating"][0] == 4 and before["rectification_rectification"][0] == 1
    backup = tmp_path / "haochaping.backup.tar"

    made = haochaping("backup", "--output", str(backup), url=source_url)
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout
    with tarfile.open(backup) as tar:
        assert tar.getnames() == [
            "manifest.json",
            f"database.{'dump' if connection.vendor == 'postgresql' else 'sqlite3.gz'}",
        ]
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["vendor"] == connection.vendor
    assert manifest["row_counts"]["ratings.Rating"] == 4
    assert manifest["row_counts"]["audit.AuditRecord"] == before["audit_auditrecord"][0]
    assert manifest["migration_heads"]["audit"] == manifest["migrations"]["audit"][-1]
    assert manifest["data_keys"]["key_ids"] == ["dev"]
    assert manifest["data_keys"]["values_by_key"]["ratings.Rating"]["dev"] >= 4

    # 1. into the empty scratch database, on a machine whose media directory is empty
    elsewhere = tmp_path / "elsewhere"
    first = haochaping("restore", str(backup), url=scratch_url, HAOCHAPING_DATA_DIR=str(elsewhere))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "row counts match the manifest" in first.stdout
    assert (
        "warning: 1 evidence file(s) named in the database are not under MEDIA_ROOT" in first.stdout
    )
    assert digest(scratch.connection) == before

    # 2. someone changes and deletes rows; audit verify notices
    with scratch.connection.cursor() as cursor:
        cursor.execute("UPDATE ratings_rating SET level = 'very_dissatisfied'")
        cursor.execute("DELETE FROM rectification_evidence")
        cursor.execute("DELETE FROM rectification_rectificationevent")
        cursor.execute("DELETE FROM audit_auditrecord WHERE seq > 1")
    assert digest(scratch.connection) != before
    broken = haochaping("audit", "verify", "--no-seal", url=scratch_url)
    assert broken.returncode == 1, broken.stdout + broken.stderr

    # 3. a restore refuses while another process holds the database ...
    refused = haochaping("restore", str(backup), url=scratch_url)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "refused: database:" in refused.stderr
    # ... and restores once it is let go
    scratch.connection.close()
    again = haochaping(
        "restore", str(backup), url=scratch_url, HAOCHAPING_DATA_DIR=str(tmp_path / "data")
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "warning" not in again.stdout  # the evidence file is where this machine keeps media
    assert digest(scratch.connection) == before
    scratch.connection.close()

    verified = haochaping("audit", "verify", url=scratch_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "no findings" in verified.stdout


def rewrite(backup: Path, out: Path, *, manifest_change=None, payload_change=None) -> Path:
    with tarfile.open(backup) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        name = manifest["payload"]["name"]
        payload = tar.extractfile(name).read()
    if manifest_change:
        manifest_change(manifest)
    if payload_change:
        payload = payload_change(payload)
    with tarfile.open(out, "w") as tar:
        for member, body in (("manifest.json", json.dumps(manifest).encode()), (name, payload)):
            info = tarfile.TarInfo(member)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out


@pytest.fixture(scope="module")
def backup_file(django_db_setup, tmp_path_factory):
    """One backup of the test database for the refusal tests (the subprocess connects itself)."""
    path = tmp_path_factory.mktemp("ops") / "good.backup.tar"
    made = haochaping("backup", "--output", str(path), url=database_url(connection.settings_dict))
    assert made.returncode == 0, made.stderr
    return path


def _flip_byte(payload: bytes) -> bytes:
    middle = len(payload) // 2
    return payload[:middle] + bytes([payload[middle] ^ 0xFF]) + payload[middle + 1 :]


def _other_vendor(manifest: dict) -> None:
    manifest["vendor"] = "sqlite" if manifest["vendor"] == "postgresql" else "postgresql"


def _from_the_future(manifest: dict) -> None:
    manifest["migrations"]["ratings"].append("9999_from_the_future")
    manifest["haochaping_version"] = "9.0.0"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"payload_change": _flip_byte},
            "refused: manifest.payload.sha256: the database dump does not match its checksum",
        ),
        ({"manifest_change": _other_vendor}, "refused: manifest.vendor: this backup is of a"),
        (
            {"manifest_change": _from_the_future},
            "refused: manifest.migrations: the backup has migrations this code does not know "
            "(ratings.9999_from_the_future): it was made by a newer haochaping (9.0.0)",
        ),
        (
            {"manifest_change": lambda m: m.update(format_version=99)},
            "refused: manifest.format_version: this haochaping reads version 1, the backup is "
            "version 99",
        ),
    ],
    ids=["tampered", "wrong-vendor", "newer-migrations", "unknown-format"],
)
def test_a_damaged_or_foreign_backup_is_refused_before_anything_changes(
    backup_file, scratch, tmp_path, change, message
):
    bad = rewrite(backup_file, tmp_path / "bad.backup.tar", **change)
    result = haochaping("restore", str(bad), url=scratch.url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    if connection.vendor == "sqlite":
        assert not Path(scratch.settings_dict["NAME"]).exists()
    else:
        with scratch.connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            assert cursor.fetchone()[0] == 0


def test_a_pg_dump_older_than_the_server_is_named_before_anything_runs(tmp_path):
    """The client tools are the outside world: a stand-in pg_dump that reports version 11."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL client tools")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n")
    fake.chmod(0o755)
    out = tmp_path / "never.backup.tar"
    result = haochaping(
        "backup",
        "--output",
        str(out),
        url=database_url(connection.settings_dict),
        HAOCHAPING_PG_BINDIR=str(bindir),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    major = connection.pg_version // 10000
    assert (
        f"backup failed: pg_dump is version 11 but the server is PostgreSQL {major}."
        in result.stderr
    )
    assert f"pg_dump must be at least version {major}" in result.stderr
    assert not out.exists()
