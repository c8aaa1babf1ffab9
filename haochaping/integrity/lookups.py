"""The checks' look-ups about one rating, fetched in one statement.

Every check names the rows it needs (``Check.lookups``) as a ``Lookup``: a small SELECT in a
common shape (``n`` bigint, ``at`` timestamp, ``s`` text), for instance "up to 4 earlier
fingerprints of this phone number in the last hour, newest first". ``fetch`` runs all of a
rating's look-ups as ONE ``UNION ALL`` statement and, on PostgreSQL, writes the rating's
fingerprint in the same statement (``WITH ... INSERT``): a rating that passes costs one round
trip. The SQL text of each look-up shape is built once per process from the models' column
names (the ORM's query compiler costs more per rating than the database does); values go
through the fields' own ``get_db_prep_value``, as the ORM would send them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, DateTimeField, Model
from django.utils.dateparse import parse_datetime

from haochaping.core.compiled_queries import prepared_cursor


class Lookup(NamedTuple):
    sql: str
    params: list[Any]


OPS = frozenset({"=", "<>", ">=", "<=", ">", "<"})
_sql: dict[tuple, tuple[str, list]] = {}


def _field(model: type[Model], name: str):
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _expr(model: type[Model], spec: str | None, null_type: str) -> str:
    """A column (field name) or a template of fields (``"{stage} || '/' || ..."``)."""
    qn = connection.ops.quote_name
    if spec is None:
        return f"CAST(NULL AS {null_type})"
    if "{" not in spec:
        return qn(_field(model, spec).column)
    return spec.format(**{f.name: qn(f.column) for f in model._meta.concrete_fields})


def lookup(
    model: type[Model],
    *,
    where: tuple[tuple[str, str, Any], ...],
    n: str | None = None,
    at: str | None = None,
    s: str | None = None,
    order: str | None = None,
    limit: int | None = None,
) -> Lookup:
    """SELECT n, at, s FROM model WHERE field op value AND ... [ORDER BY order] [LIMIT limit].

    ``where`` is ``(field, op, value)`` triples (op one of = <> >= <= > <); ``order`` a field
    name, ``-`` for descending. The SQL text is cached per shape; only the values vary.
    """
    shape = (
        connection.vendor,
        model,
        tuple((f, op) for f, op, _v in where),
        n,
        at,
        s,
        order,
        limit is not None,
    )
    hit = _sql.get(shape)
    if hit is None:
        qn = connection.ops.quote_name
        conditions, fields = [], []
        for name, op, _value in where:
            if op not in OPS:
                raise ValueError(op)
            field = _field(model, name)
            conditions.append(f"{qn(field.column)} {op} %s")
            fields.append(field)
        ts = DateTimeField().db_type(connection)
        bigint = BigIntegerField().db_type(connection)
        text = _expr(model, s, "text") if s else "''"
        sql = (
            f"SELECT CAST({_expr(model, n, bigint)} AS {bigint}) AS lk_n, "  # noqa: S608
            f"{_expr(model, at, ts)} AS lk_at, CAST({text} AS text) AS lk_s "
            f"FROM {qn(model._meta.db_table)} WHERE {' AND '.join(conditions)}"
        )  # column names come from the models; every value is a parameter
        if order:
            column = qn(_field(model, order.lstrip("-")).column)
            sql += f" ORDER BY {column} {'DESC' if order.startswith('-') else 'ASC'}"
        if limit is not None:
            sql += " LIMIT %s"
        hit = _sql[shape] = (sql, fields)
    sql, fields = hit
    params = [
        f.get_db_prep_value(f.get_prep_value(v), connection, prepared=True)
        for f, (_n, _op, v) in zip(fields, where, strict=True)
    ]
    if limit is not None:
        params.append(limit)
    return Lookup(sql, params)


def _as_datetime(value: Any) -> Any:
    """SQLite hands back naive UTC (or text) from a raw query; PostgreSQL aware datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def columns_and_values(obj: Model, *, with_pk: bool = True) -> tuple[list[str], list[Any]]:
    """The quoted columns of ``obj``'s concrete fields and their values as the ORM sends them
    on insert (``pre_save`` + ``get_db_prep_save``); without an auto primary key if asked."""
    qn = connection.ops.quote_name
    fields = [f for f in type(obj)._meta.concrete_fields if with_pk or f is not type(obj)._meta.pk]
    return (
        [qn(f.column) for f in fields],
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields],
    )


def _insert(obj: Model) -> tuple[str, list]:
    """INSERT of one row of ``obj`` (all concrete fields)."""
    columns, values = columns_and_values(obj)
    table = connection.ops.quote_name(type(obj)._meta.db_table)
    marks = ", ".join(["%s"] * len(values))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values  # noqa: S608


def fetch(
    lookups: dict[str, Lookup],
    *,
    insert: Model | None = None,
    also: tuple[tuple[str, list[Any]], ...] = (),
) -> dict[str, list[tuple]]:
    """Run every look-up in one ``UNION ALL`` statement; rows ``(n, at, s)`` by key.

    With ``insert``, that row is written too, and every ``also`` statement (``(sql, params)``,
    an INSERT or UPDATE of the caller's such as the rating's rollup count) is run: on
    PostgreSQL in the same statement (as data-modifying ``WITH`` parts, not visible to the
    look-ups of that statement, which therefore see only earlier ratings), elsewhere just
    after the look-ups. Either way each runs exactly once.
    """
    parts, params = [], []
    for n, (key, part) in enumerate(lookups.items()):
        parts.append(f"SELECT %s AS lk_key, q{n}.* FROM ({part.sql}) q{n}")  # noqa: S608 - values are parameters
        params.extend((key, *part.params))
    writes = [("lk_insert", *_insert(insert))] if insert is not None else []
    writes += [(f"lk_also{n}", w_sql, w_params) for n, (w_sql, w_params) in enumerate(also)]
    combined = bool(writes) and bool(parts) and connection.vendor == "postgresql"
    sql = " UNION ALL ".join(parts)
    if combined:
        sql = f"WITH {', '.join(f'{name} AS ({w_sql})' for name, w_sql, _p in writes)} {sql}"
        params = [*(p for _n, _s, w_params in writes for p in w_params), *params]
    fetched: list = []
    with prepared_cursor() as cursor:
        if parts:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if not combined:
            for _name, w_sql, w_params in writes:
                cursor.execute(w_sql, w_params)
    rows: dict[str, list[tuple]] = {}
    for key, n, at, s in fetched:
        rows.setdefault(key, []).append((n, _as_datetime(at), s))
    return rows
