"""SQL helpers the ORM lacks.

``ids_in(field, ids)``: a filter on thousands of integer ids. Django's ``__in`` writes one
placeholder per id, and both Django (preparing each value) and psycopg (splitting the query
text at every placeholder) spend Python time on each: about 10 ms per 2,000 ids. On
PostgreSQL this sends ``field = ANY(%s)`` with the ids as one array parameter instead; other
backends get the usual ``IN (...)``.

``in_subquery_rows(field, queryset)``: ``field IN (subquery)`` that PostgreSQL reads through
``field``'s index (see there).

``counts(*querysets)``: the row counts of several querysets in one query.

``plain_rows(queryset)``: the tuples of a ``values_list`` queryset; on PostgreSQL read without
Django's per-value timestamp loader (see there).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, QuerySet
from django.db.models.query import ValuesListIterable
from django.db.models.sql.compiler import SQLCompiler


class _IdsIn(Lookup):
    lookup_name = "ids_in"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = self.rhs
        if not ids:
            return "1 = 0", ()  # nothing can match an empty list
        if connection.vendor == "postgresql":
            # An array literal as text: psycopg dumps a str at once, a list element by element.
            literal = "{" + ",".join(map(str, ids)) + "}"
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, literal)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*lhs_params, *ids)


def ids_in(field: str, ids: Iterable[int]) -> _IdsIn:
    """A filter expression ``field IN ids`` for ``QuerySet.filter(...)`` (ids as Python ints)."""
    return _IdsIn(F(field), [int(i) for i in ids])


class _InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = compiler.compile(self.rhs)  # the resolved subquery, in parentheses
        if not sql.startswith("("):
            sql = f"({sql})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{sql})", (*lhs_params, *params)
        return f"{lhs} IN {sql}", (*lhs_params, *params)


def in_subquery_rows(field: str, ids: QuerySet[Any]) -> _InArray:
    """``field IN (ids)`` for a one-column ``ids`` query of many rows, read by ``field``'s
    index. On PostgreSQL it is ``field = ANY(ARRAY(ids))``: the planner does not know how
    many ids the array holds and probes the index for each, where a semi-join on a tenth of
    a big table is planned as a hash join over a scan of all of it."""
    return _InArray(F(field), ids)


def counts(*querysets: QuerySet[Any]) -> list[int]:
    """``[qs.count() for qs in querysets]`` in one query (one round trip, and without
    ``count()``'s aggregate rewrite of each): ``SELECT (SELECT COUNT(*) FROM (q0)), ...``.
    The querysets must use the same database. A sliced queryset is counted as it is: pass
    ``core.pagination.capped(qs, cap)`` for a count that reads at most ``cap + 1`` rows."""
    if not querysets:
        return []
    parts: list[str] = []
    params: list[Any] = []
    for i, qs in enumerate(querysets):
        counted = qs if qs.query.is_sliced else qs.order_by().values("pk")
        sql, more = counted.query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{i})")
        params.extend(more)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [int(n) for n in cursor.fetchone()]


@cache
def _iso_loader(base: type) -> type:
    """A ``timestamptz`` text loader: Python's C ``datetime.fromisoformat`` for PostgreSQL's
    ISO output in UTC ("2025-06-02 21:05:40.5+00" -> tzinfo ``UTC``, what Django's loader
    gives on a UTC connection), Django's own (``base``) for anything else."""

    class IsoTimestamptzLoader(base):  # type: ignore[misc]
        def load(self, data: Any) -> Any:
            text = bytes(data).decode()
            if text.endswith("+00"):
                try:
                    return datetime.fromisoformat(text)
                except ValueError:
                    pass
            return super().load(data)

    return IsoTimestamptzLoader


def plain_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """``list(queryset)`` of a ``values_list`` queryset whose columns need no converter (no
    JSON, decimals ...). On PostgreSQL the timestamps are read by ``datetime.fromisoformat``
    rather than Django's loader, a Python parse each: for a few hundred rows of timestamps
    (the desk queue's clocks) that is most of the time spent reading them. Equal values
    (``core/tests/test_sql.py``); other databases, another connection zone than UTC or a
    column with a converter: ``list(queryset)``."""
    connection = connections[queryset.db]
    if (
        connection.vendor != "postgresql"
        or connection.timezone is not UTC
        or queryset._iterable_class is not ValuesListIterable
    ):
        return list(queryset)
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # ``.none()``, ``pk__in=[]``: no query, as the ORM does
        return []
    if compiler.get_converters([col for col, _, _ in compiler.select]):
        return list(queryset)
    from psycopg.postgres import types
    from psycopg.pq import Format

    oid = types["timestamptz"].oid
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's cursor: its own loaders, the connection's left as they are
        raw.adapters.register_loader(oid, _iso_loader(raw.adapters.get_loader(oid, Format.TEXT)))
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
