"""Look-ups on a request's hot path whose SQL is compiled once, not on every request.

Django compiles a queryset to SQL each time it is evaluated. For a ``select_related`` look-up
over four tables that costs the server several times what the database spends answering it
(measured on ``POST /api/v1/ratings``: about 0.3 ms of compiling and 0.2 ms of building
instances, against 0.1 ms for the statement). :func:`first_compiled` compiles a queryset shape
once per database connection and shape key, with a placeholder where the one varying value
goes, then binds each call's value into the same SQL and builds the instances as Django's
``ModelIterable`` does (``select_related`` objects and field converters included).

Only the SQL text is kept, never rows: nothing here can go stale. The cache lives on the
connection wrapper (one per thread), so converters bound to a connection are never shared
between threads.

On PostgreSQL these statements (and the other fixed statements of the rating path) also go
through :func:`prepared_cursor`: the server parses and plans each once per connection instead
of on every request (setting ``HAOCHAPING_PREPARED_STATEMENTS``; docs/deploy.md says when to
turn it off).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet, signals
from django.db.models.expressions import DatabaseDefault
from django.db.models.query import get_related_populators
from django.db.models.sql.subqueries import InsertQuery

M = TypeVar("M", bound=Model)

_PLACEHOLDER = "\ue000compiled-query-value\ue000"
_MAX_SHAPES = 256  # per connection; the keys are a handful of client scopes in practice


class _Shape(NamedTuple):
    sql: str
    params: tuple
    slot: int
    compiler: Any
    converters: Any
    model: type[Model]
    start: int
    end: int
    init_list: list[str]
    populators: list[Any]


def _compile(queryset: QuerySet) -> _Shape:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()  # also fills compiler.select and klass_info
    slots = [i for i, p in enumerate(params) if p == _PLACEHOLDER]
    if len(slots) != 1 or _PLACEHOLDER in sql:
        raise ValueError("the value must appear exactly once, as a plain parameter")
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    if compiler.annotation_col_map or compiler.has_composite_fields(fields):
        raise ValueError("annotations and composite fields are not supported")
    if queryset._known_related_objects:
        raise ValueError("known related objects are not supported")
    klass_info = compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return _Shape(
        sql=sql,
        params=tuple(params),
        slot=slots[0],
        compiler=compiler,
        converters=compiler.get_converters(fields),
        model=klass_info["model"],
        start=start,
        end=end,
        init_list=[f[0].target.attname for f in compiler.select[start:end]],
        populators=get_related_populators(klass_info, compiler.select, queryset.db),
    )


_NEVER = 2**31 - 1  # a prepare threshold no other statement reaches


def prepared_cursor(using: str = "default") -> Any:
    """A cursor like ``connection.cursor()`` whose statements PostgreSQL keeps prepared.

    For the few fixed statements run on every rating: the server parses, analyses and plans
    each once per connection, then only binds and executes it (on a 4-table look-up planning
    costs several times the execution). It is a server-side-binding psycopg cursor executing
    with ``prepare=True`` (protocol-level prepared statements, kept by psycopg per connection,
    least recently used beyond 100), wrapped like every Django cursor, so query logging,
    execute wrappers and error translation apply. Everything else keeps Django's default
    client-side binding and is never prepared: the connection's ``prepare_threshold`` is only
    raised from Django's ``None`` (off) to a count no statement reaches.

    Elsewhere (SQLite), or with ``HAOCHAPING_PREPARED_STATEMENTS`` off (a pooler in transaction
    mode that cannot carry prepared statements: PgBouncer before 1.22, or without
    ``max_prepared_statements``), it is ``connection.cursor()``.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not getattr(
        settings, "HAOCHAPING_PREPARED_STATEMENTS", True
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = _NEVER
        cursor = _preparing_cursor_class()(raw)
    # The wrapping ``connection.cursor()`` does: the thread check, then the logging wrapper
    # when queries are logged (DEBUG, CaptureQueriesContext) or the plain one.
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _PreparedDebugWrapper(cursor, connection)
    return connection.make_cursor(cursor)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs the statement with its values, as for Django's own cursors. (Django reads them back
    from the cursor's last query, which psycopg does not keep for a prepared statement.)"""

    def execute(self, sql, params=None):
        logged = sql if params is None else self.db.ops.compose_sql(sql, params)
        with self.debug_sql(logged):
            return CursorWrapper.execute(self, sql, params)


@functools.cache
def _preparing_cursor_class() -> Any:
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """Server-side binding; every statement prepared (by its text and parameter types)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def first_compiled(
    key: Hashable, build: Callable[[Any], QuerySet[M]], value: Any, *, using: str = "default"
) -> M | None:
    """The first object of ``build(value)``, like ``build(value).first()`` without an ORDER BY.

    ``build`` must make the same SQL for every value (``key`` names that shape, e.g. the
    caller's scope) and use ``value`` exactly once, as a plain parameter (an exact match such
    as ``project_no=value``; not ``startswith``, which rewrites it).
    """
    connection = connections[using]
    cache: dict[Hashable, _Shape] = connection.__dict__.setdefault("_compiled_queries", {})
    shape = cache.get(key)
    if shape is None:
        if len(cache) >= _MAX_SHAPES:
            cache.clear()
        shape = cache[key] = _compile(build(_PLACEHOLDER).order_by()[:1])
    params = list(shape.params)
    params[shape.slot] = value
    with prepared_cursor(using) as cursor:
        cursor.execute(shape.sql, params)
        rows = cursor.fetchmany(1)
    if not rows:
        return None
    if shape.converters:
        rows = list(shape.compiler.apply_converters(rows, shape.converters))
    row = rows[0]
    obj = shape.model.from_db(using, shape.init_list, row[shape.start : shape.end])
    for populator in shape.populators:
        populator.populate(row, obj)
    return obj  # type: ignore[return-value]


def insert_compiled(obj: M, *, using: str = "default") -> M:
    """``obj.save(force_insert=True)`` for a new row, with the INSERT's SQL built once per model
    and connection instead of by the ORM's compiler on every row.

    The rest is what ``Model.save`` does for an insert: related objects must be saved, values
    go through each field's ``pre_save`` and ``get_db_prep_save``, the primary key and the
    fields with a database default come back with ``RETURNING`` (through their converters),
    ``pre_save`` and ``post_save`` are sent (``created=True``), and a failed INSERT marks the
    surrounding atomic block for rollback. A model this does not cover (its own ``save()``,
    multi-table inheritance, a primary key that is not generated, a value left to the database
    default, a database without ``RETURNING``) is saved the ORM's way.
    """
    prepared = _insert_prepared(obj, using)
    if prepared is None:
        obj.save(force_insert=True, using=using)
        return obj
    (sql, _fields, returning, compiler, converters, _db_defaults), params = prepared
    with transaction.mark_for_rollback_on_error(using), prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        rows = [cursor.fetchone()]
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    for field, value in zip(returning, rows[0], strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using
    signals.post_save.send(
        sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=using
    )
    return obj


def _insert_prepared(obj: Model, using: str) -> tuple[Any, list] | None:
    """The cached INSERT shape of ``obj``'s model and ``obj``'s values as a save prepares them
    (``pre_save`` sent, each field's ``pre_save`` and ``get_db_prep_save``); None, with nothing
    sent, for a model or object the ORM must save itself."""
    model = type(obj)
    connection = connections[using]
    cache: dict[type[Model], Any] = connection.__dict__.setdefault("_compiled_inserts", {})
    shape = cache.get(model)
    if shape is None:
        shape = cache[model] = _insert_shape(model, using)
    if (
        shape is False
        or obj.pk is not None
        or any(isinstance(getattr(obj, f.attname), DatabaseDefault) for f in shape[5])
    ):
        return None
    fields = shape[1]
    obj._prepare_related_fields_for_save(operation_name="save")
    signals.pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    values = [f.pre_save(obj, True) for f in fields]
    if any(isinstance(v, DatabaseDefault) for v in values):  # set so by a pre_save receiver
        raise ValueError("a value left to the database default: use save()")
    return shape, [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]


def _insert_statement(obj: Model, using: str) -> tuple[str, list] | None:
    """The INSERT of a new ``obj`` as ``(sql, params)``: the SQL :func:`insert_compiled` uses,
    without ``RETURNING``. None for what ``insert_compiled`` would save the ORM's way."""
    prepared = _insert_prepared(obj, using)
    if prepared is None:
        return None
    shape, params = prepared
    return shape[0][: shape[0].rindex(" RETURNING ")], params


# --- riders: writes carried by a transaction's next combined statement --------------------------


class Riders:
    """The writes queued by :func:`ride_insert` inside one :func:`riders` block."""

    def __init__(self, depth: int) -> None:
        self.depth = depth  # the savepoint depth of the block: rides queue only at this depth
        self.statements: list[tuple[str, list]] = []

    def take(self) -> list[tuple[str, list]]:
        """The queued writes, handed to the caller, who must run them in this transaction."""
        taken, self.statements = self.statements, []
        return taken


@contextmanager
def riders(using: str = "default") -> Iterator[Riders]:
    """A block, inside a transaction, whose hooks may hand their writes over instead of running
    each in a round trip of its own: a combined statement later in the block takes them
    (``Riders.take()``), e.g. the rating's integrity statement on PostgreSQL, as data-modifying
    ``WITH`` parts. What is still queued when the block ends runs then, one by one; after an
    error nothing queued runs (the transaction rolls back anyway)."""
    connection = connections[using]
    outer = connection.__dict__.get("_riders")
    block = Riders(len(connection.savepoint_ids))
    connection.__dict__["_riders"] = block
    try:
        yield block
        statements = block.take()
        if statements:
            with prepared_cursor(using) as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
    finally:
        connection.__dict__["_riders"] = outer


def _open_block(connection: Any) -> Riders | None:
    block = connection.__dict__.get("_riders")
    if block is None or len(connection.savepoint_ids) != block.depth:
        return None  # none, or inside a savepoint opened within it (a rollback to that
        # savepoint must take the write back)
    return block


def ride_insert(obj: Model, *, using: str = "default") -> bool:
    """Queue the INSERT of a new ``obj`` for the enclosing :func:`riders` block; False (nothing
    done, nothing sent) if there is none or the model cannot ride: the caller saves it.

    ``pre_save`` is sent and the values are prepared as for a save; nothing comes back, so
    ``obj`` gets no primary key and no ``post_save`` is sent: only for rows nobody reads back
    in the same request and no receiver listens to."""
    block = _open_block(connections[using])
    if block is None:
        return False
    statement = _insert_statement(obj, using)
    if statement is None:
        return False
    block.statements.append(statement)
    return True


def _insert_shape(model: type[Model], using: str) -> Any:
    connection = connections[using]
    meta, qn = model._meta, connection.ops.quote_name
    if (
        model.save is not Model.save  # its own save() must run
        or model.save_base is not Model.save_base
        or meta.parents
        or meta.proxy
        or meta.auto_created
        or meta.order_with_respect_to
        or meta.auto_field is None
        or not connection.features.can_return_columns_from_insert
    ):
        return False
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    if any(f.generated for f in fields):
        return False
    returning = list(meta.db_returning_fields)
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "  # names from the model, values parameters
        f"RETURNING {', '.join(qn(f.column) for f in returning)}"
    )
    compiler = InsertQuery(model).get_compiler(using=using)
    converters = compiler.get_converters([f.get_col(meta.db_table) for f in returning])
    db_defaults = [f for f in fields if f.has_db_default()]
    return sql, fields, returning, compiler, converters, db_defaults
