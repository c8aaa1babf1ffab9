"""Writing many rows at once without losing what ``Model.save`` does for one: save signals for
a batch (:func:`send_pre_save`, :func:`send_post_save`), a faster ``bulk_create`` on PostgreSQL
(:func:`insert`) and a URL reversed once per batch (:func:`reverser`).

``Model.save`` sends ``pre_save`` and ``post_save`` for its row; ``bulk_create`` sends nothing.
A writer that inserts many rows at once calls :func:`send_pre_save` before the INSERT and
:func:`send_post_save` after it:

- :func:`send_post_save` first sends :data:`post_bulk_create` once for the whole batch. A receiver
  that can do its work set-based (one INSERT for the batch instead of one per row) does it there
  and calls :func:`mark_done` on the rows it handled;
- then ``post_save`` goes out for each row, exactly as ``Model.save`` sends it. A receiver that
  also listens to :data:`post_bulk_create` skips the rows marked for it (:func:`is_done`); every
  other receiver runs row by row as before, so one that knows nothing of batches is never
  skipped.

Nothing is deferred: both run at once, in the caller's transaction and savepoint, so a savepoint
rolled back takes the batch's side rows with it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal

# sender: the model class; instances: the rows just inserted (primary keys set); using: the alias
post_bulk_create = Signal()

_DONE = "_bulk_receivers_done"


def send_pre_save(objs: Sequence[Any], using: str = "default") -> None:
    """What ``Model.save`` sends before an insert, for each row about to be bulk-inserted."""
    for obj in objs:
        pre_save.send(sender=type(obj), instance=obj, raw=False, using=using, update_fields=None)


def send_post_save(objs: Sequence[Any], using: str = "default") -> None:
    """What ``Model.save`` sends after an insert, for rows just written by ``bulk_create`` (all of
    one model): :data:`post_bulk_create` once for the batch, then ``post_save`` per row."""
    if not objs:
        return
    sender = type(objs[0])
    post_bulk_create.send(sender=sender, instances=list(objs), using=using)
    for obj in objs:
        post_save.send(
            sender=sender, instance=obj, created=True, raw=False, using=using, update_fields=None
        )


def mark_done(objs: Sequence[Any], receiver_uid: str) -> None:
    """Record that the receiver ``receiver_uid`` has handled these rows as a batch."""
    for obj in objs:
        obj.__dict__.setdefault(_DONE, set()).add(receiver_uid)


def is_done(obj: Any, receiver_uid: str) -> bool:
    """Whether ``receiver_uid`` already handled this row in its batch (its ``post_save``
    receiver then skips it, and clears the mark so a later save of the row is handled)."""
    done = obj.__dict__.get(_DONE)
    if done is None or receiver_uid not in done:
        return False
    done.discard(receiver_uid)
    return True


def insert(objs: Sequence[Any], *, using: str = "default") -> None:
    """``bulk_create(objs)`` for rows of one model, faster on PostgreSQL: the primary keys are
    drawn from the table's sequence in one query, in order, and the rows go in with COPY.

    Every field is prepared as ``bulk_create`` prepares it (``pre_save``, then
    ``get_db_prep_save``), but for plain values that this would give back unchanged
    (:func:`_plain_type`); constraints and triggers apply as for INSERT. ``bulk_create``'s own
    UNNEST insert dumps every value into an array literal in Python, which costs 3–4× the CPU
    of COPY for rows with text or JSON (docs/performance.md). Elsewhere, or when a value is an
    expression, this is ``bulk_create``. No signals are sent (see :func:`send_post_save`)."""
    if not objs:
        return
    from django.db import connections

    model = type(objs[0])
    connection = connections[using]
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    if connection.vendor != "postgresql" or not isinstance(pk, AutoFieldMixin) or meta.parents:
        model._base_manager.using(using).bulk_create(objs)
        return
    plan = [(f, _plain_type(f)) for f in fields]
    rows = []
    for obj in objs:
        values = obj.__dict__
        row = []
        for f, kind in plan:
            # a plain value goes in as it is: what get_db_prep_save would give for it
            v = values.get(f.attname, _MISSING) if kind is not None else _MISSING
            if v is None or (type(v) is kind and (kind is not dt.datetime or v.tzinfo is not None)):
                row.append(v)
                continue
            v = f.get_db_prep_save(f.pre_save(obj, True), connection)
            if hasattr(v, "as_sql"):  # an expression: only an INSERT can take it
                model._base_manager.using(using).bulk_create(objs)
                return
            row.append(v)
        rows.append(row)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in (pk, *fields))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [qn(meta.db_table), pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        # names from the model's metadata; the rows go in as data
        with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                copy.write_row([pk_value, *row])
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = using


_MISSING = object()
_PLAIN = {
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
    models.CharField: str,
    models.TextField: str,
    models.DateTimeField: dt.datetime,
}


@functools.cache
def _plain_type(field: Any) -> type | None:
    """The Python type whose values a field of exactly this class writes unchanged to COPY (the
    value ``pre_save`` and ``get_db_prep_save`` give back on PostgreSQL, for that exact type;
    datetimes only when aware), or None: the field prepares every value itself. Subclasses
    (encrypted, JSON, choices of another type ...) always take the field's own path."""
    if field.is_relation:
        if type(field) in (models.ForeignKey, models.OneToOneField) and isinstance(
            field.target_field, models.AutoField | models.BigAutoField | models.SmallAutoField
        ):
            return int
        return None
    if type(field) is models.DateTimeField and (field.auto_now or field.auto_now_add):
        return None  # pre_save sets the time
    return _PLAIN.get(type(field))


def reverser(viewname: str) -> Callable[[int], str]:
    """``reverse(viewname, args=[pk])`` for the many rows of a batch: the URL is reversed once
    (about 28 µs each time) and each row's integer id put in its place. For URL patterns whose
    one argument is an ``<int:...>``."""
    from django.urls import reverse

    marker = str(9_876_543_210)
    head, found, tail = reverse(viewname, args=[marker]).partition(marker)
    if not found:
        raise ValueError(f"{viewname} does not take its argument in the path")
    return lambda pk: f"{head}{int(pk)}{tail}"
