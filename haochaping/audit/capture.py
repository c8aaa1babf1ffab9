"""Capture every write of the project's models as an unsealed audit row, in the writer's transaction.

Receivers are connected per model (``sender=``), so models left out cost nothing at all: a
``post_save`` of a rollup row dispatches to no receiver. Rows written in bulk
(``core.bulk.send_post_save``) get their ``create`` rows in one statement per batch. What is left out, and why, is
:data:`EXCLUDED` (docs/security.md "Audit trail"). New ratings get no row each: the sealer
hashes them in batches (:mod:`haochaping.audit.sealer`); later changes of a rating (validity,
public flag) are ordinary audited updates.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import re
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from haochaping.audit.context import current_source
from haochaping.audit.models import AuditRecord
from haochaping.core import bulk
from haochaping.core.clock import now

# model label -> why its writes are not audited row by row
EXCLUDED: dict[str, str] = {
    "ratings.ratingrollup": "derived counts, upserted with every rating",
    "results.unitdaycount": "derived summary kept by database triggers",
    "results.unitmonthcount": "derived summary kept by database triggers",
    "results.reasondaycount": "derived summary kept by database triggers",
    "results.casedaycount": "derived counts recomputed by a daily job",
    "integration.usednonce": "replay protection: one row per signed API request",
    "integrity.fingerprint": "derived from each incoming rating",
    "integrity.flag": "raised by the checks on each incoming rating (reviews are audited)",
    "jobs.periodicrun": "scheduler bookkeeping",
    "jobs.workerheartbeat": "worker liveness bookkeeping",
    "jobs.deadlinemarker": "sweep bookkeeping (reminder sent once)",
    "dataout.outboxmessage": "delivery bookkeeping; the record is the audited write it carries",
    "dataout.outboxattempt": "delivery bookkeeping",
    "dataout.reconciliationrun": "delivery bookkeeping",
    "notifications.notification": "messages generated from audited writes",
    "notifications.smsmessage": "delivery log of generated messages",
}
# Models whose new rows are sealed in hashed batches instead of one audit row each.
SEALED_ON_CREATE = {"ratings.rating"}
# Models of other packages that hold security decisions.
THIRD_PARTY = {"auth.group", "otp_totp.totpdevice"}
SENSITIVE = re.compile(r"password|secret|token|key|mobile|phone|cert_no|id_no|id_number|otp")
MAX_TEXT = 200
UID = "haochaping-audit"


def is_audited(label: str, app_name: str) -> bool:
    if label in EXCLUDED or label.startswith("audit."):
        return False
    return app_name.startswith("haochaping.") or label in THIRD_PARTY


def audited_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if is_audited(model._meta.label_lower, model._meta.app_config.name)
    ]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | dt.timedelta):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | dict):
        text = _json_text(value)
        return value if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    if hasattr(value, "storage"):  # a file: its name
        value = value.name
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _shown(attname: str, value: Any, masked: bool | None = None) -> Any:
    """What the row shows of a value: ``***`` for sensitive fields (``masked``, else decided by
    the attname), the plain value otherwise."""
    if masked if masked is not None else SENSITIVE.search(attname):
        return "***" if value not in (None, "") else ""
    return _plain(value)


def _attnames(model: type[models.Model], update_fields: Any = None) -> list[str]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if update_fields:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
    return [f.attname for f in fields]


def _row(
    instance: models.Model,
    action: str,
    changes: dict[str, Any],
    at: dt.datetime | None = None,
    source: Any = None,
) -> AuditRecord:
    source = source or current_source()
    try:
        text = str(instance)[:MAX_TEXT]
    except Exception:  # a __str__ that fails must not stop the write
        text = ""
    return AuditRecord(
        created_at=at or now(),
        actor=source.actor[:200],
        address=source.address[:64],
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=text,
        changes=changes,
    )


def _record(instance: models.Model, action: str, changes: dict[str, Any], using: str) -> None:
    _row(instance, action, changes).save(using=using, force_insert=True)


@functools.cache
def _create_spec(model: type[models.Model]) -> tuple[tuple[str, bool], ...]:
    """Each attname a ``create`` row shows, and whether it is masked (:func:`_shown`)."""
    return tuple((a, bool(SENSITIVE.search(a))) for a in _attnames(model))


def _created(sender: type[models.Model], instance: models.Model) -> dict[str, Any]:
    return {
        "values": {a: _shown(a, getattr(instance, a), masked) for a, masked in _create_spec(sender)}
    }


def _before_save(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    names = _attnames(sender, update_fields)
    before = sender._base_manager.using(using).filter(pk=instance.pk).values(*names).first()
    instance.__dict__["_audit_before"] = before


def _after_save(sender, instance, created, raw=False, using="default", update_fields=None, **kw):
    if raw:
        return
    label = sender._meta.label_lower
    if created:
        if label in SEALED_ON_CREATE or bulk.is_done(instance, UID):
            return
        _record(instance, "create", _created(sender, instance), using)
        return
    before = instance.__dict__.pop("_audit_before", None) or {}
    diff = {}
    for attname in _attnames(sender, update_fields):
        new = getattr(instance, attname)
        old = before.get(attname, None)
        if attname in before and old == new:
            continue
        diff[attname] = [_shown(attname, old), _shown(attname, new)]
    if diff:
        _record(instance, "update", {"fields": diff}, using)


def _after_bulk_create(sender, instances, using="default", **kwargs):
    """The ``create`` rows of a batch written by ``bulk_create``, in one INSERT (core.bulk)."""
    if sender._meta.label_lower in SEALED_ON_CREATE:
        return
    at, source = now(), current_source()
    bulk.insert(
        [_row(obj, "create", _created(sender, obj), at, source) for obj in instances], using=using
    )
    bulk.mark_done(instances, UID)


def _after_delete(sender, instance, using="default", origin=None, **kwargs):
    values = {a: _shown(a, getattr(instance, a, None)) for a in _attnames(sender)}
    _record(instance, "delete", {"values": values}, using)


def _m2m(sender, instance, action, reverse, model, pk_set, using="default", **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    field = next(
        (
            f.name
            for f in type(instance)._meta.many_to_many
            if getattr(instance, f.name).through is sender
        ),
        sender._meta.label_lower,
    )
    if action == "pre_clear":
        pk_set = (
            set(getattr(instance, field).values_list("pk", flat=True)) if not reverse else set()
        )
    verb = {"post_add": "m2m_add", "post_remove": "m2m_remove", "pre_clear": "m2m_clear"}[action]
    changes = {
        "field": field,
        "related": model._meta.label_lower,
        "pks": [_plain(pk) for pk in sorted(pk_set or [], key=str)],
    }
    _record(instance, verb, changes, using)


def connect_all() -> None:
    """Connect the receivers to every audited model (called once from AuditConfig.ready)."""
    for model in audited_models():
        label = model._meta.label_lower
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{UID}-pre-{label}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{UID}-save-{label}")
        bulk.post_bulk_create.connect(
            _after_bulk_create, sender=model, dispatch_uid=f"{UID}-bulk-{label}"
        )
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{UID}-del-{label}")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _m2m, sender=through, dispatch_uid=f"{UID}-m2m-{label}-{field.name}"
            )
