"""Batch conversion of encrypted columns: plaintext -> current key, old key -> current key, and back.

Used by the data migrations that introduce ``EncryptedCharField`` (``encrypt_model`` /
``decrypt_model`` in ``RunPython``) and by ``haochaping data-keys rotate``. It works on raw
column values with plain SQL (same on SQLite and PostgreSQL, and on historical models in
migrations): keyset pagination by primary key, one transaction per batch, so an interrupted run
keeps its finished batches and a re-run skips rows already under the current key (resumable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import connections, transaction

from haochaping.core import crypto
from haochaping.core.fields import EncryptedCharField


@dataclass
class Progress:
    model: str
    scanned: int = 0
    changed: int = 0
    last_pk: object = None
    by_key: dict[str, int] = field(default_factory=dict)


def encrypted_fields(model) -> list:
    return [f for f in model._meta.local_fields if isinstance(f, EncryptedCharField)]


def encrypted_models(apps=global_apps) -> list:
    return [m for m in apps.get_models() if encrypted_fields(m) and not m._meta.proxy]


def to_current(stored: str | None) -> str | None:
    """Plaintext or a value under an older key -> the value under the current key."""
    if stored is None or stored == "":
        return stored
    current = crypto.keyring().current_id
    if crypto.key_id_of(stored) == current:
        return stored
    return crypto.encrypt(crypto.decrypt(stored), key_id=current)


def _to_plain(stored: str | None) -> str | None:
    return None if stored is None else crypto.decrypt(stored)


def convert_model(
    model,
    convert: Callable[[str | None], str | None],
    *,
    using: str = "default",
    batch_size: int = 1000,
    start_after=None,
    dry_run: bool = False,
    on_batch: Callable[[Progress], None] | None = None,
) -> Progress:
    """Rewrite every encrypted column of ``model`` through ``convert``, batch by batch."""
    connection = connections[using]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    columns = [f.column for f in encrypted_fields(model)]
    select_cols = ", ".join(qn(c) for c in columns)
    assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
    progress = Progress(model=model._meta.label, last_pk=start_after)
    while True:
        with transaction.atomic(using=using), connection.cursor() as cur:
            where, params = (
                ("", []) if progress.last_pk is None else (f"WHERE {pk} > %s", [progress.last_pk])
            )
            cur.execute(
                f"SELECT {pk}, {select_cols} FROM {table} {where} ORDER BY {pk} LIMIT %s",  # noqa: S608
                [*params, batch_size],
            )
            rows = cur.fetchall()
            if not rows:
                return progress
            updates = []
            for row_pk, *values in rows:
                for value in values:
                    kid = crypto.key_id_of(value or "") or ("plain" if value else "empty")
                    progress.by_key[kid] = progress.by_key.get(kid, 0) + 1
                new = [convert(v) for v in values]
                if new != values:
                    updates.append([*new, row_pk])
            if updates and not dry_run:
                cur.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", updates)  # noqa: S608
            progress.scanned += len(rows)
            progress.changed += len(updates)
            progress.last_pk = rows[-1][0]
        if on_batch:
            on_batch(progress)


def rotate(models: Iterable | None = None, **kwargs) -> list[Progress]:
    """Re-encrypt every row of every encrypted model under the current key."""
    return [convert_model(m, to_current, **kwargs) for m in (models or encrypted_models())]


def encrypt_model(app_label: str, model_name: str, *, batch_size: int = 1000):
    """A RunPython forward function converting one model's plaintext rows."""

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        convert_model(
            model, to_current, using=schema_editor.connection.alias, batch_size=batch_size
        )

    return forward


def decrypt_model(app_label: str, model_name: str, *, batch_size: int = 1000):
    """The reverse of ``encrypt_model`` (before the column shrinks back)."""

    def backward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        convert_model(model, _to_plain, using=schema_editor.connection.alias, batch_size=batch_size)

    return backward
