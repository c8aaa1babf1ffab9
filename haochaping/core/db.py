"""Read replica routing: dashboards and reports read from ``DATABASES['replica']`` when one is
configured (``DATABASE_REPLICA_URL``), everything else uses the primary (docs/backup.md).

Reads go to the replica only inside :func:`reading_replica` (a context manager and a decorator),
and only while it is safe:

- never for writes: :meth:`ReplicaRouter.db_for_write` always answers ``default``;
- never inside a transaction on the primary (``transaction.atomic``): what it wrote is not on the
  replica yet, and a read there would not see it;
- never after a write in the same ``reading_replica`` block (read-your-writes): the first
  ``db_for_write`` switches the rest of the block to the primary;
- with no replica configured, ``reading_replica`` does nothing and all reads use the primary.

Raw SQL through ``connection.cursor()`` bypasses routers: it uses the primary unless it asks for
``connections[replica_alias()]`` itself (:func:`read_alias`).

The replica is never migrated (``allow_migrate`` says no): it is a streaming replica of the
primary. In tests it is a TEST MIRROR of ``default``.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Block:
    wrote: bool = False


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar(
    "haochaping_reading_replica", default=None
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias a read should use right now (for raw SQL inside ``reading_replica``)."""
    block = _block.get()
    if block is None or block.wrote or not replica_configured():
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads of ORM queries inside go to the replica when one is configured and it is safe."""
    token = _block.set(_Block())
    try:
        yield
    finally:
        _block.reset(token)


def replica_reads(view: F) -> F:
    """Decorator form of :func:`reading_replica` (dashboards, report pages)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with reading_replica():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    """Listed in DATABASE_ROUTERS; a no-op outside ``reading_replica`` blocks."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _block.get() is None:
            return None
        return read_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        block = _block.get()
        if block is not None:
            block.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        dbs = {obj1._state.db, obj2._state.db}
        if dbs <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == REPLICA:
            return False
        return None
