"""Big integer reads split by block range over two PostgreSQL connections, in one snapshot.

A tier replay reads a million tickets and 3.5 million events (``tiers.replay``): about half
of its time is the server producing those rows, one backend on one core, while the client
waits; then the client decodes them while the server idles. ``SlicedReads`` splits such a
read by the table's physical blocks (``ctid`` ranges: PostgreSQL scans only those blocks)
into slices read at once on the Django connection and one more, each slice decoded by the
thread that read it, so the two cores work together.

The reads stay one consistent state: the Django connection opens a REPEATABLE READ, READ ONLY
transaction and exports its snapshot (``pg_export_snapshot``); the second connection imports
it (``SET TRANSACTION SNAPSHOT``) before its first query, so every slice and every later read
in the block sees the same committed rows. The slices partition the table (the last one is
open-ended: blocks added meanwhile hold no row the snapshot sees, but are still covered), so
the rows read are exactly those of the query, in another order (callers order them).

Used only where it can be: on PostgreSQL, outside a transaction (inside one, the caller's
uncommitted rows are invisible to another connection, and its snapshot may be older or
newer), for a table of at least ``MIN_BLOCKS`` blocks. Elsewhere the read is the usual one
(``clockdata.fetch_ints``) on the Django connection, in one slice. ADR 0027.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from psycopg import sql as pgsql

from servicepact.billing.clockdata import fetch_ints, packing_query, read_packed

Array = np.ndarray[Any, Any]
T = TypeVar("T")

# Below this many blocks (8 kB each) a table is read in one slice: a second connection costs
# a few milliseconds to open, and the read is then about that short.
MIN_BLOCKS = 2_000
# When False, every read is the usual one (tests compare both ways).
ENABLED = True


class SlicedReads:
    """``with SlicedReads() as reads: reads.fetch(qs, width, instants, decode)``."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self.parallel = False
        self._atomic: Any = None
        self._snapshot = ""
        self._other: Any = None  # the second psycopg connection, opened on first use
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> SlicedReads:
        connection = connections[self.using]
        if not ENABLED or connection.vendor != "postgresql" or connection.in_atomic_block:
            return self
        self._atomic = transaction.atomic(using=self.using)
        self._atomic.__enter__()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                self._snapshot = str(cursor.fetchone()[0])
        except BaseException as error:
            self._atomic.__exit__(type(error), error, error.__traceback__)
            self._atomic = None
            raise
        self.parallel = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            if self._other is not None:
                self._other.close()  # its transaction (read only) ends with it
        finally:
            if self._atomic is not None:
                self._atomic.__exit__(kind, error, trace)

    def fetch(
        self,
        qs: QuerySet[Any],
        width: int,
        instants: Sequence[int],
        then: Callable[[Array], T],
    ) -> list[T]:
        """``then(rows)`` of each slice of ``fetch_ints(qs, width, instants)``'s rows, in
        block order (one slice when the read is not split); ``then`` runs in the thread that
        read the slice."""
        edges = self._edges(qs) if self.parallel else []
        if not edges:
            return [then(fetch_ints(qs, width, instants))]
        connection = connections[self.using]
        table = connection.ops.quote_name(qs.model._meta.db_table)
        queries = []
        connection.ensure_connection()
        # The slices' SQL as text for the other connections: psycopg's client-side cursor
        # quotes the values in (Django's cursor binds them on the server, ADR 0031).
        with psycopg.ClientCursor(connection.connection) as cursor:
            for lo, hi in zip([None, *edges], [*edges, None], strict=True):
                where = [f"{table}.ctid >= %s::tid"] if lo is not None else []
                where += [f"{table}.ctid < %s::tid"] if hi is not None else []
                bounds = [t for t in (lo, hi) if t is not None]
                sql, params = qs.extra(where=where, params=bounds).query.sql_with_params()
                queries.append(cursor.mogrify(packing_query(sql, width, instants), params))
        own = connection.connection  # the psycopg connection under Django's

        def read(conn: Any, query: str) -> T:
            found = read_packed(conn, query, None, width, instants)
            if found is None:  # a NULL: refused as the usual read refuses it
                raise TypeError("a NULL in an integer read")
            return then(found)

        # Slice i on connection i % 2: the other connection's in a worker thread.
        other = self._other_connection()
        assert self._pool is not None
        future: Future[list[T]] = self._pool.submit(lambda: [read(other, q) for q in queries[1::2]])
        try:
            mine = [read(own, q) for q in queries[0::2]]
        finally:
            theirs = future.result()  # waited for even when this thread's read failed
        return [mine[i // 2] if i % 2 == 0 else theirs[i // 2] for i in range(len(queries))]

    def _edges(self, qs: QuerySet[Any]) -> list[str]:
        """Where the slices of the queried table begin after the first, as tids (ascending):
        the middle block; none when the table is small."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int",
                [qs.model._meta.db_table],
            )
            blocks = int(cursor.fetchone()[0])
        if blocks < max(MIN_BLOCKS, 2):
            return []
        return [f"({blocks // 2},0)"]

    def _other_connection(self) -> Any:
        if self._other is None:
            connection = connections[self.using]
            other = connection.get_new_connection(connection.get_connection_params())
            try:
                other.autocommit = True
                zone = pgsql.Literal(connection.timezone_name)
                other.execute(pgsql.SQL("SET TIME ZONE {}").format(zone))
                other.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                other.execute(
                    pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(self._snapshot))
                )
            except BaseException:
                other.close()
                raise
            self._other = other
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sliced-read")
        return self._other
