"""Updating many rows of one model at once, each with its own values.

``update_rows(rows, fields)`` writes ``fields`` of each instance with one prepared
``UPDATE … WHERE id = %s`` run by ``executemany`` (psycopg 3 pipelines it; SQLite runs it
in-process). Django's ``bulk_update`` builds a ``CASE WHEN`` expression per row and field,
which costs more CPU to compile than the update itself for a few hundred rows.

``insert_rows(model, fields, rows)`` inserts plain tuples without building model instances
(COPY on PostgreSQL); ``insert_rows_with_ids`` does the same and hands the new primary keys
back (on PostgreSQL taken from the table's sequence first, then written by the COPY);
``insert_instances(objs)`` is ``bulk_create`` of new instances through it.
``insert_statement(model, fields, rows)`` inserts a few rows with ONE
multi-row ``INSERT`` statement: atomic by itself and one round trip in autocommit, for a
request that must have its rows committed before it answers (the alert inbox), optionally
only where a condition holds when it runs (``where=``).
Values go through each field's ``get_db_prep_save``, as ``save()`` would do; no signals,
no ``save()`` override runs (like ``QuerySet.update``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, models, router


def concrete_field(model: type[models.Model], name: str) -> tuple[models.Field[Any, Any], str]:
    """The field ``name`` (or its attname) of ``model`` and its column, for raw SQL.

    Raises ValueError for a name without a column of its own (a reverse relation, a
    many-to-many field, a generic foreign key): such a name cannot be written in place."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} has no column")
    return field, field.column


def update_rows(rows: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Writes ``fields`` (names or attnames) of every saved instance in ``rows``."""
    if not rows:
        return 0
    model = type(rows[0])
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    chosen = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for _, column in chosen)
    _, pk = concrete_field(model, meta.pk.name)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk)} = %s"
    params = [
        [
            *(f.get_db_prep_save(getattr(row, f.attname), connection) for f, _ in chosen),
            row.pk,
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ready: Collection[str] = (),
) -> int:
    """Inserts plain value tuples (one value per name in ``fields``) into ``model``'s table:
    ``COPY … FROM STDIN`` on PostgreSQL, one prepared ``executemany`` INSERT elsewhere.

    No model instances: values go through each field's ``get_db_prep_save`` as ``save()``
    would do; no signals, no ``save()`` override runs, Python-side defaults are not applied
    (name every NOT NULL column), ids are not returned (read them back by a unique key).
    ``ready``: names whose values the caller already gives as database values (e.g.
    ``db_instants``' strings on SQLite): passed as they are."""
    db = router.db_for_write(model)
    connection = connections[db]
    chosen = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for _, column in chosen)
    table = quote(model._meta.db_table)
    preps = [f.get_db_prep_save for f, _ in chosen]
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    # A column whose field hands the first value back unchanged (same type, equal) is
    # passed as it is: preparing it again per row costs more than the insert.
    needed = [
        index
        for index, (prep, value) in enumerate(zip(preps, first, strict=True))
        if fields[index] not in ready
        and (value is None or not _unchanged(value, prep(value, connection)))
    ]

    def prepared_row(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for index in needed:
            values[index] = preps[index](values[index], connection)
        return values

    prepared = map(prepared_row, itertools.chain([first], iterator))
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
                    count += 1
            return count
        params = list(prepared)
        marks = ", ".join(["%s"] * len(chosen))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)
        return len(params)


def insert_rows_with_ids(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ready: Collection[str] = (),
) -> list[int]:
    """``insert_rows``, and the new rows' primary keys in the order of ``rows``.

    PostgreSQL: the keys are drawn from the primary key's sequence with one query, then the
    rows are written with them by ``COPY`` (what ``bulk_create`` would have drawn, without
    its per-row model preparation and parameter quoting). Elsewhere: multi-row ``INSERT …
    RETURNING`` (one per ``max_query_params``); rows are numbered in the order they are
    inserted, so the keys, sorted, follow ``rows``."""
    if not rows:
        return []
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    pk_field, pk = concrete_field(model, meta.pk.name)
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk, len(rows)],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        insert_rows(
            model,
            [*fields, pk_field.name],
            [(*row, pk_id) for row, pk_id in zip(rows, ids, strict=True)],
            ready=[*ready, pk_field.name],
        )
        return ids
    chosen = [concrete_field(model, name) for name in fields]
    ready_at = {i for i, name in enumerate(fields) if name in ready}
    columns = ", ".join(quote(column) for _, column in chosen)
    marks = "(" + ", ".join(["%s"] * len(chosen)) + ")"
    per_statement = max(1, (connection.features.max_query_params or 65_535) // len(chosen))
    ids = []
    with connection.cursor() as cursor:
        for first in range(0, len(rows), per_statement):
            chunk = rows[first : first + per_statement]
            params = [
                value if index in ready_at else field.get_db_prep_save(value, connection)
                for row in chunk
                for index, ((field, _), value) in enumerate(zip(chosen, row, strict=True))
            ]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                + ", ".join([marks] * len(chunk))
                + f" RETURNING {quote(pk)}",
                params,
            )
            ids += sorted(row[0] for row in cursor.fetchall())
    return ids


def insert_instances(objs: Sequence[models.Model]) -> None:
    """``bulk_create`` of new instances of one model through ``insert_rows_with_ids``: every
    concrete column but the key (each field's ``pre_save``, so ``auto_now`` fields are set
    as ``bulk_create`` sets them); each instance gets its key and is then a saved one. No
    signals, no ``save()`` override (as ``bulk_create``)."""
    if not objs:
        return
    model = type(objs[0])
    fields = _insert_fields(model)
    ids = insert_rows_with_ids(
        model,
        [f.attname for f in fields],
        [tuple(f.pre_save(obj, True) for f in fields) for obj in objs],
    )
    db = router.db_for_write(model)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, db


@functools.cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def insert_statement(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    where: tuple[str, Sequence[Any]] | None = None,
) -> int:
    """Inserts ``rows`` (one value per name in ``fields``) with ONE multi-row ``INSERT``;
    returns the number of rows written.

    A single statement is atomic on its own: outside a transaction it commits by itself,
    without the ``BEGIN``/``COMMIT`` round trips of ``transaction.atomic`` (which is what
    ``bulk_create`` adds). Values go through each field's ``get_db_prep_save``; no model
    instances, no signals, Python-side defaults not applied (name every NOT NULL column).
    Meant for a handful of rows (the parameters of all rows go in one statement).

    ``where`` = (SQL condition, its parameters) writes the rows only if the condition holds
    when the statement runs (``INSERT … SELECT … WHERE``): a check and the write in one
    statement and one round trip, e.g. that the sender's token is still active (the alert
    intake, monitoring/intake.py). 0 when it does not hold."""
    if not rows:
        return 0
    db = router.db_for_write(model)
    connection = connections[db]
    chosen = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for _, column in chosen)
    marks = "(" + ", ".join(["%s"] * len(chosen)) + ")"
    params = [
        field.get_db_prep_save(value, connection)
        for row in rows
        for (field, _), value in zip(chosen, row, strict=True)
    ]
    values = "VALUES " + ", ".join([marks] * len(rows))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
    if where is None:
        sql += values
    else:
        sql += f"SELECT * FROM ({values}) AS written WHERE {where[0]}"
        params.extend(where[1])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(rows) if where is None else cursor.rowcount


def db_instants(model: type[models.Model]) -> Callable[[datetime | None], Any] | None:
    """A fast converter of aware instants to ``model``'s database values for ``insert_rows(...,
    ready=...)``: on SQLite (naive text in the connection's zone, as Django writes it) a
    string; None where Django's own preparation is already cheap (PostgreSQL)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "sqlite":
        return None
    zone = connection.timezone
    utc = zone is not None and zone.utcoffset(None) == timedelta(0)

    def convert(value: datetime | None) -> Any:
        if value is None:
            return None
        if utc and value.utcoffset() == timedelta(0):  # most instants: no zone arithmetic
            return str(value.replace(tzinfo=None))
        return str(value.astimezone(zone).replace(tzinfo=None))

    return convert


def _unchanged(value: Any, prepared: Any) -> bool:
    return type(prepared) is type(value) and bool(prepared == value)
