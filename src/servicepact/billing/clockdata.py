"""Many tickets' SLA clocks as numpy arrays, decided as of a cut-off, in one engine pass.

Statements, credits and dashboards all need the same facts for thousands of clocks: when
each started and stopped, its pauses, its target and calendar, and whether it was met or
breached. This module reads them with a few SQL queries (never one query per ticket) and
computes elapsed business time and breach instants with the bulk engine
(``business_seconds_many_mixed`` / ``deadline_many_mixed``: one pass for every calendar).

A clock is *decided* at the cut-off when it stopped by then (met or breached) or when its
business time already exceeds the target while still running (breached). Its *decision
instant* is the breach instant (the deadline) for a breached clock, the stop for a met one.
A clock belongs to the month that contains its decision instant, so every clock is counted
once: a ticket opened on the 31st and resolved on the 2nd counts in the following month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, cast

import numpy as np
import psycopg
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Func,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from servicepact.contracts.calendars import cached_compiled_calendar, compiled_calendar
from servicepact.contracts.choices import Category
from servicepact.contracts.metrics import MetricCodes, MetricDef, load_metrics
from servicepact.contracts.models import Calendar
from servicepact.core.sql import ids_in, in_subquery_rows
from servicepact.core.time import require_aware, to_epoch
from servicepact.customers.models import Customer, Site
from servicepact.slaclock import (
    CompiledCalendar,
    PauseSet,
    business_seconds_many_mixed,
    deadline_many_mixed,
)
from servicepact.slaclock.clock_replay import replay
from servicepact.tickets.choices import ClockState, EventKind
from servicepact.tickets.clocks import EventFact, clock_event_kinds, clock_events
from servicepact.tickets.models import SlaClock, Ticket, TicketEvent

# The metric codes in display order, read from the table (``contracts.metrics``): a
# ClockSet's ``metric`` array indexes ``ClockSet.metrics``, which is this order when loaded.
METRICS = MetricCodes()
# A ClockSet's ``category`` array indexes this (NONE: a category no longer in the list).
CATEGORIES: tuple[str, ...] = tuple(Category.values)
NONE = -1  # "no instant" in the int64 arrays
_CHUNK_ROWS = 50_000
_IN_CHUNK = 2_000  # ids per IN (...): under every backend's parameter limit
_SPARSE_MAX = 50_000  # at most this many tickets are read by id (25 IN queries) ...
_SPARSE_RATIO = 8  # ... when they are under one in 8 of their id range

# Only tickets with one of these need their events replayed; for every other ticket the
# stored clock's start and first stop are the whole story.
_REPLAY_KINDS = (EventKind.PAUSED, EventKind.REOPENED)

Array = np.ndarray[Any, Any]


class Epoch(Func):
    """Whole UTC epoch seconds of a datetime column (sub-second part floored), in SQL."""

    output_field = BigIntegerField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores UTC "YYYY-MM-DD HH:MM:SS[.ffffff]"; both forms drop the fraction.
        # ``unixepoch`` (SQLite 3.38+) costs a third of ``strftime`` plus the cast: a
        # replay reads 350k instants (docs/performance.md, tier replay).
        if connection.Database.sqlite_version_info >= (3, 38):
            return self.as_sql(compiler, connection, template="unixepoch(%(expressions)s)")
        # '%%%%s' reaches SQLite as '%s'.
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
        )


class Instant(Epoch):
    """A datetime column (never NULL) read by ``_fetch(..., instants=...)`` as whole UTC
    epoch seconds, like ``Epoch``. On PostgreSQL the column goes out as stored
    (``timestamptz_send``: 8 bytes, microseconds since 2000-01-01 UTC) and numpy floors it:
    ``EXTRACT(EPOCH ...)`` is numeric arithmetic per row, about a third of the server's time
    for a replay's 350k events (docs/performance.md, tier replay). Elsewhere it is ``Epoch``.
    Only for ``_fetch``: read through the ORM on PostgreSQL it would be a datetime."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s")


@dataclass(frozen=True)
class CalendarUse:
    """A calendar as clocks use it: the DB calendar applied in one time zone."""

    calendar: Calendar
    timezone: str
    compiled: CompiledCalendar

    @property
    def label(self) -> str:
        if self.timezone == self.calendar.timezone:
            return self.calendar.name
        return f"{self.calendar.name} ({self.timezone})"


@dataclass
class ClockSet:
    """Parallel arrays, one entry per clock. Instants are UTC epoch seconds (NONE = none)."""

    cutoff: int
    clock_id: Array
    ticket_id: Array
    contract_id: Array
    version_id: Array  # the ticket's contract version (its credit schedule); NONE if none
    metric: Array  # index into ``metrics`` (the metric codes in display order)
    priority: Array
    target: Array  # business seconds
    start: Array
    stop: Array  # NONE while running at the cut-off
    end: Array  # stop, or the cut-off for a running clock
    elapsed: Array  # business seconds from start to end, pauses excluded
    breached: Array  # elapsed > target
    deadline: Array  # breach instant for breached clocks, else NONE
    decided_at: Array  # breach instant or stop; NONE while open
    calendar_index: Array
    calendars: list[CalendarUse] = field(default_factory=list)
    pauses: PauseSet = field(default_factory=lambda: PauseSet.empty(0))
    metrics: tuple[str, ...] = ()  # the codes ``metric`` indexes, as loaded
    # The ticket's category of each clock: an index into CATEGORIES (NONE if unknown).
    category: Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.clock_id.size)

    @property
    def stopped(self) -> Array:
        return np.asarray(self.stop != NONE)

    @property
    def decided(self) -> Array:
        return np.asarray(self.decided_at != NONE)

    @property
    def met(self) -> Array:
        return np.asarray(self.stopped & ~self.breached)

    def decided_between(self, start: datetime, end: datetime) -> Array:
        """Mask of the clocks decided in [start, end)."""
        lo, hi = to_epoch(start), to_epoch(end)
        return np.asarray(self.decided & (self.decided_at >= lo) & (self.decided_at < hi))

    def take(self, index: Array) -> ClockSet:
        """The clocks at ``index`` (an integer index array or a boolean mask), same calendars."""
        rows = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        arrays = {
            name: getattr(self, name)[rows]
            for name in (
                "clock_id",
                "ticket_id",
                "contract_id",
                "version_id",
                "metric",
                "priority",
                "target",
                "start",
                "stop",
                "end",
                "elapsed",
                "breached",
                "deadline",
                "decided_at",
                "calendar_index",
                "category",
            )
        }
        return replace(self, pauses=_take_pauses(self.pauses, rows), **arrays)

    def pause_rows(self, row: int) -> list[tuple[int, int]]:
        return self.pauses.row(row)


def _take_pauses(pauses: PauseSet, rows: Array) -> PauseSet:
    counts = np.diff(pauses.offsets)[rows]
    offsets = np.zeros(rows.size + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    total = int(offsets[-1])
    if total == 0:
        return PauseSet.empty(int(rows.size))
    # Position j of new row k comes from old position offsets_old[row_k] + j.
    first = np.repeat(pauses.offsets[:-1][rows] - offsets[:-1], counts)
    picked = first + np.arange(total, dtype=np.int64)
    return PauseSet(offsets, pauses.start[picked], pauses.end[picked])


def candidate_clocks(
    *,
    since: datetime,
    cutoff: datetime,
    contract_ids: Sequence[int] | None = None,
    asset_ids: Sequence[int] | None = None,
    clock_ids: Sequence[int] | None = None,
) -> QuerySet[SlaClock]:
    """Clocks that can be decided in [since, cutoff): started before the cut-off, not stopped
    before ``since`` (the stored stop is the latest one, so an earlier stop is final), and
    not "not required". With ``clock_ids``, only those of them (the dashboard's today:
    ``reports.today``).

    No join: with ``contract_ids`` the tickets come in as a subquery (a semi-join on the
    clock's ticket index); without, every clock qualifies here and the tickets without a
    contract drop out when the ticket columns are matched (see ``load_clocks``).
    ``asset_ids`` (with ``contract_ids``): only the tickets on those assets (the tier replay's
    asset filter), in the same subquery.
    """
    qs = (
        SlaClock.objects.filter(started_at__lt=cutoff)
        .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gte=since))
        # Ended before its deadline because its stop could no longer happen: never decided
        # at any cut-off, so never in compliance nor credits (tickets.refresh.settle).
        .exclude(state=ClockState.NOT_REQUIRED)
    )
    if clock_ids is not None:
        qs = qs.filter(ids_in("pk", clock_ids))
    if contract_ids is None:
        return qs
    tickets = Ticket.objects.filter(contract_id__in=list(contract_ids), opened_at__lt=cutoff)
    if asset_ids is not None:
        tickets = tickets.filter(asset_id__in=list(asset_ids))
    # By the clocks' ticket index: a contract holds a tenth of the clocks in the benchmark,
    # and PostgreSQL would otherwise scan them all for a hash join (docs/performance.md).
    return qs.filter(in_subquery_rows("ticket_id", tickets.order_by().values("pk")))


def load_clocks(
    *,
    since: datetime,
    cutoff: datetime,
    contract_ids: Sequence[int] | None = None,
    asset_ids: Sequence[int] | None = None,
    clock_ids: Sequence[int] | None = None,
) -> ClockSet:
    """Every candidate clock of the contracts (all contracts if None), decided at ``cutoff``;
    with ``asset_ids`` (and ``contract_ids``) only those of tickets on these assets; with
    ``clock_ids``, only the candidates among those clocks.

    A handful of single-table queries (clocks, their tickets' contracts, the tickets that
    paused or reopened, those tickets' events) matched up with numpy: joins of 100,000s of
    rows are slow in SQLite, scans are not.
    """
    require_aware(since, "since")
    require_aware(cutoff, "cutoff")
    if asset_ids is not None and contract_ids is None:
        raise ValueError("asset_ids needs contract_ids")
    qs = candidate_clocks(
        since=since,
        cutoff=cutoff,
        contract_ids=contract_ids,
        asset_ids=asset_ids,
        clock_ids=clock_ids,
    )
    cut = to_epoch(cutoff)
    zones = _known_zones()
    definitions = load_metrics()
    metrics = tuple(definitions)
    cols = _columns(qs, zones, metrics)
    if cols.size and (cols[:, 6] == NONE).any():
        # A zone that no calendar, site or customer has (any more): learn it and read again.
        zones += sorted(set(qs.exclude(timezone__in=zones).values_list("timezone", flat=True)))
        cols = _columns(qs, zones, metrics)
    if cols.size:
        # A clock of a metric no longer defined is not measured (nor reported).
        cols = cols[cols[:, 2] != NONE]
    if cols.shape[0]:
        cols = _with_contracts(cols, contract_ids)
    n = int(cols.shape[0])
    if n == 0:
        return replace(_empty(cut), metrics=metrics)
    cols = cols[np.argsort(cols[:, 0], kind="stable")]
    (
        clock_id,
        ticket_id,
        metric,
        priority,
        target,
        calendar_id,
        zone_code,
        start,
        stop,
        contract_id,
        version_id,
        category,
    ) = cols.T.copy()
    stop[stop > cut] = NONE  # stopped after the cut-off: still running then
    rules = [definitions[m] for m in metrics]
    pauses = _replay_paused(
        ticket_id, metric, int(start.min()), cut, start, stop, rules, contract_ids
    )
    width = len(zones) + 1
    keys, inverse = np.unique(calendar_id * width + zone_code, return_inverse=True)
    uses = [(int(k) // width, zones[int(k) % width]) for k in keys.tolist()]
    calendars = _calendars(uses, int(start.min()), cut)
    end = np.where(stop == NONE, cut, stop)
    compiled = [c.compiled for c in calendars]
    index = inverse.reshape(-1).astype(np.intp)
    elapsed = business_seconds_many_mixed(compiled, index, start, end, pauses)
    breached = elapsed > target
    deadline = np.full(n, NONE, dtype=np.int64)
    hit = np.flatnonzero(breached)
    if hit.size:
        deadline[hit] = deadline_many_mixed(
            compiled, index[hit], start[hit], target[hit], _take_pauses(pauses, hit)
        )
    return ClockSet(
        cutoff=cut,
        clock_id=clock_id,
        ticket_id=ticket_id,
        contract_id=contract_id,
        version_id=version_id,
        metric=metric,
        priority=priority,
        target=target,
        start=start,
        stop=stop,
        end=end,
        elapsed=elapsed,
        breached=breached,
        deadline=deadline,
        decided_at=np.where(breached, deadline, stop),
        calendar_index=index,
        calendars=calendars,
        pauses=pauses,
        metrics=metrics,
        category=category,
    )


def unique_ints(values: Array) -> Array:
    """``np.unique(values)`` of an integer array, by sorting: numpy 2.4's hash-based
    ``np.unique`` takes ~5 ms for 24k ids, a sort and a compare ~0.5 ms (issue 12)."""
    ordered = np.sort(np.asarray(values).reshape(-1))
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _known_zones() -> list[str]:
    """Every zone a clock is measured in comes from a calendar, a site or a customer."""
    zones = (
        Calendar.objects.order_by()
        .values_list("timezone", flat=True)
        .union(
            Site.objects.order_by().values_list("timezone", flat=True),
            Customer.objects.order_by().values_list("timezone", flat=True),
        )
    )  # one query
    return sorted(set(zones))


def _fetch(qs: QuerySet[Any], width: int, instants: Sequence[int] = ()) -> Array:
    """Run an all-integer query and read it in chunks straight into one int64 matrix,
    skipping the ORM's per-row conversions (on PostgreSQL: ``_fetch_binary``). The columns
    at ``instants`` select an ``Instant`` (epoch seconds)."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        if connections[qs.db].vendor == "postgresql":
            found = _fetch_binary(cursor.cursor, sql, params, width, instants)
            if found is not None:
                return found
            # A NULL: read the ordinary way, which refuses it (TypeError) as before.
        chunks = []
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_CHUNK_ROWS):
            # fromiter over the flattened tuples: 40 % less than np.array(rows) (a NULL
            # still raises TypeError).
            flat = chain.from_iterable(rows)
            chunks.append(np.fromiter(flat, np.int64, len(rows) * width).reshape(-1, width))
    return np.concatenate(chunks) if chunks else np.zeros((0, width), dtype=np.int64)


_PG_EPOCH = 946_684_800  # 2000-01-01 00:00 UTC, where PostgreSQL's timestamps count from


def _fetch_binary(
    cursor: Any, sql: str, params: Any, width: int, instants: Sequence[int] = ()
) -> Array | None:
    """The rows packed by PostgreSQL into one bytea (each bigint as ``int8send``, each
    instant as ``timestamptz_send``: 8 bytes, big-endian) and read by numpy at once,
    instead of a Python tuple per row (issue 12: 24k clocks). None (read the ordinary way)
    when a row holds a NULL (``string_agg`` would skip it: the row count tells).

    The result comes in binary format: in text format the server writes the bytea as hex
    and psycopg decodes it, a third of the read for a replay's events. Binary results need
    server-side binding: a plain cursor of the same connection runs the query; when Django's
    cursor binds on the client (``DATABASE_PREPARED_STATEMENTS=0``, ADR 0031) it merges the
    parameters first (``mogrify``, the SQL it would send).
    (``COPY ... TO STDOUT (FORMAT binary)`` was slower: psycopg hands over one message per
    row, a Python call each: 0.45 s for 350k rows against 0.2 s here.)"""
    query = _packing_query(sql, width, instants)
    if hasattr(cursor, "mogrify"):
        query, params = cursor.mogrify(query, params), None
    return _read_packed(cursor.connection, query, params, width, instants)


def _packing_query(sql: str, width: int, instants: Sequence[int]) -> str:
    """``sql``'s rows packed into one bytea (``_fetch_binary``), with their count."""
    names = ", ".join(f"c{i}" for i in range(width))
    packed = " || ".join(
        f"timestamptz_send(c{i})" if i in instants else f"int8send(c{i})" for i in range(width)
    )
    return f"SELECT COUNT(*), string_agg({packed}, ''::bytea) FROM ({sql}) AS q({names})"


def _read_packed(
    connection: Any, query: str, params: Any, width: int, instants: Sequence[int]
) -> Array | None:
    """Runs a ``_packing_query`` on a psycopg connection, result in binary format, and
    unpacks it (None: a row held a NULL).

    The bytea is not copied into a Python ``bytes``: numpy reads it where libpq received it
    (``_BufferLoader``), converting it to native integers before the result is let go (a
    replay's events are 56 MB: one copy less, and as much fresh memory less to fault in)."""
    with psycopg.Cursor(connection) as binary:
        binary.adapters.register_loader("bytea", _BufferLoader)
        binary.execute(query, params, binary=True)
        row = binary.fetchone()
        assert row is not None
        count, data = row
        if data is None:
            data = b""
        if len(data) != count * 8 * width:
            return None
        found = np.frombuffer(data, dtype=">i8").astype(np.int64).reshape(-1, width)
        del data, row
    for i in instants:
        found[:, i] = found[:, i] // 1_000_000 + _PG_EPOCH  # floored, as Epoch
    return found


class _BufferLoader(psycopg.adapt.Loader):
    """A binary bytea as the buffer psycopg hands over (a view of libpq's result: valid
    while the cursor holds it), not as a ``bytes`` copy."""

    format = psycopg.pq.Format.BINARY

    def load(self, data: Any) -> Any:
        return data


def _columns(qs: QuerySet[SlaClock], zones: list[str], metrics: Sequence[str]) -> Array:
    """The clock columns as one int64 matrix: every column is an integer in SQL (epoch
    seconds, metric and zone codes, -1 for NULL)."""
    metric_code = Case(
        *[When(metric=m, then=Value(i)) for i, m in enumerate(metrics)],
        default=Value(NONE),
        output_field=BigIntegerField(),
    )
    zone_code = Case(
        *[When(timezone=z, then=Value(i)) for i, z in enumerate(zones)],
        default=Value(NONE),
        output_field=BigIntegerField(),
    )
    rows = (
        qs.annotate(
            metric_code=metric_code,
            zone_code=zone_code,
            start_s=Epoch("started_at"),
            stop_s=Coalesce(Epoch("stopped_at"), Value(NONE)),
        )
        .order_by()
        .values_list(
            "id",
            "ticket_id",
            "metric_code",
            "priority",
            "target_seconds",
            "calendar_id",
            "zone_code",
            "start_s",
            "stop_s",
        )
    )
    return _fetch(rows, 9)


def _with_contracts(cols: Array, contract_ids: Sequence[int] | None) -> Array:
    """Appends each clock's ticket's contract, contract version and category code (three
    columns) and drops the clocks of tickets without a contract."""
    wanted = unique_ints(cols[:, 1])
    # A primary-key range is a sequential read; an index on opened_at would not be. A few
    # tickets spread over a long range (today's clocks and the open tickets of months of
    # history) are read by primary key instead.
    ranges = (
        [wanted[i : i + _IN_CHUNK].tolist() for i in range(0, wanted.size, _IN_CHUNK)]
        if _sparse(wanted)
        else [None]
    )
    category_code = Case(
        *[When(category=c, then=Value(i)) for i, c in enumerate(CATEGORIES)],
        default=Value(NONE),
        output_field=BigIntegerField(),
    )
    chunks = []
    for ids in ranges:
        tickets = (
            Ticket.objects.filter(ids_in("pk", ids))
            if ids is not None
            else Ticket.objects.filter(pk__gte=int(wanted[0]), pk__lte=int(wanted[-1]))
        )
        if contract_ids is None:
            tickets = tickets.filter(contract__isnull=False)
        else:
            tickets = tickets.filter(contract_id__in=list(contract_ids))
        chunks.append(
            _fetch(
                tickets.annotate(
                    version_code=Coalesce("contract_version_id", Value(NONE)),
                    category_code=category_code,
                )
                .order_by()
                .values_list("pk", "contract_id", "version_code", "category_code"),
                4,
            )
        )
    rows = np.concatenate(chunks)
    rows = rows[np.argsort(rows[:, 0])]
    at = np.searchsorted(rows[:, 0], cols[:, 1])
    found = at < rows.shape[0]
    found[found] = rows[at[found], 0] == cols[found, 1]
    return np.concatenate([cols[found], rows[at[found], 1:]], axis=1)


def _sparse(ids: Array) -> bool:
    """Sorted unique ticket ids few enough, and spread thinly enough over their id range,
    that reading them by primary key (IN chunks) beats a range scan."""
    if ids.size == 0 or ids.size > _SPARSE_MAX:
        return False
    return bool(ids.size * _SPARSE_RATIO < int(ids[-1]) - int(ids[0]) + 1)


def _empty(cut: int) -> ClockSet:
    none = np.zeros(0, dtype=np.int64)
    return ClockSet(
        cut, none, none, none, none, none, none, none, none, none, none, none,
        np.zeros(0, dtype=bool), none, none, np.zeros(0, dtype=np.intp),
    )  # fmt: skip


def _calendars(pairs: list[tuple[int, str]], earliest: int, cut: int) -> list[CalendarUse]:
    """The (calendar, zone) pairs compiled over the dates the clocks need (cached)."""
    by_id = {c.pk: c for c in Calendar.objects.filter(pk__in={c for c, _ in pairs})}
    # One day of slack on each side covers every local date of a UTC instant.
    first = datetime.fromtimestamp(earliest, UTC).date() - timedelta(days=1)
    last = datetime.fromtimestamp(cut, UTC).date() + timedelta(days=1)
    # Their hours, holidays and overrides only for the ones not compiled yet (usually none).
    missing = {
        cid
        for cid, zone in pairs
        if cached_compiled_calendar(by_id[cid], timezone=zone, first=first, last=last) is None
    }
    if missing:
        prefetch_related_objects([by_id[c] for c in missing], "hours", "holidays", "overrides")
    return [
        CalendarUse(
            by_id[cid], zone, compiled_calendar(by_id[cid], timezone=zone, first=first, last=last)
        )
        for cid, zone in pairs
    ]


def _replay_paused(
    ticket_id: Array,
    metric: Array,
    earliest: int,
    cut: int,
    start: Array,
    stop: Array,
    rules: Sequence[MetricDef],
    contract_ids: Sequence[int] | None = None,
) -> PauseSet:
    """The idle intervals of every clock as of the cut-off (pauses, and the gap between a
    stop and a reopening), exactly as ``slaclock.evaluate_clock`` would count them.

    Only tickets that paused or reopened have any. The common case — waits on the
    customer that alternate pause, resume, pause ... and no reopening — is done with numpy:
    the restore and resolution clocks get the (pause, resume) pairs cut at their end. The
    rest (reopened tickets, odd sequences) are replayed per ticket with the engine's replay
    rules, which also fixes their start and stop as of the cut-off (a reopening after the
    cut-off matters too: the stored stop is then the latest one).
    """
    n = ticket_id.size
    events = TicketEvent.objects.filter(
        kind__in=(*_REPLAY_KINDS, EventKind.RESUMED), at__gte=_utc(earliest)
    )
    wanted = unique_ints(ticket_id)
    if _sparse(wanted):
        # Today's clocks and the open ones (the dashboard): their tickets' marks by the
        # (ticket, at) index, not every ticket's since the oldest open clock started.
        parts = [
            events.filter(ids_in("ticket_id", wanted[i : i + _IN_CHUNK].tolist()))
            for i in range(0, wanted.size, _IN_CHUNK)
        ]
    elif contract_ids is not None:
        # A statement's contract only: do not read every customer's pauses to drop them.
        of_contracts = Ticket.objects.filter(contract_id__in=list(contract_ids))
        parts = [events.filter(ticket_id__in=Subquery(of_contracts.order_by().values("pk")))]
    else:
        parts = [events]
    marks = np.concatenate([_marks(part) for part in parts])
    marks = marks[np.isin(marks[:, 0], ticket_id)]
    if marks.size == 0:
        return PauseSet.empty(n)
    marks = marks[np.lexsort((marks[:, 3], marks[:, 2], marks[:, 0]))]
    tickets, first = np.unique(marks[:, 0], return_index=True)
    group = np.repeat(np.arange(tickets.size), np.diff(np.append(first, marks.shape[0])))
    position = np.arange(marks.shape[0]) - first[group]
    # A ticket is simple when its marks read pause, resume, pause, ... (no reopening).
    odd = np.bincount(group, weights=(marks[:, 1] != position % 2), minlength=tickets.size) > 0
    pausable = np.array([rule.pausable for rule in rules], dtype=bool)
    simple = np.isin(ticket_id, tickets[~odd]) & pausable[metric]
    pauses = _simple_pauses(
        marks[~odd[group] & (marks[:, 1] == 0)], marks, ticket_id, simple, start, stop, cut
    )
    hard = np.flatnonzero(np.isin(ticket_id, tickets[odd]))
    if hard.size == 0:
        return pauses
    replayed = _replay_rows(hard, ticket_id, metric, cut, start, stop, rules)
    rows = {r: pauses.row(r) for r in np.flatnonzero(np.diff(pauses.offsets)).tolist()}
    rows.update(replayed)
    return _pause_set(n, rows)


def _marks(events: QuerySet[TicketEvent]) -> Array:
    """(ticket, kind code 0 paused / 1 resumed / 2 reopened, epoch, id) of the events."""
    return _fetch(
        events.annotate(
            kind_code=Case(
                When(kind=EventKind.PAUSED, then=Value(0)),
                When(kind=EventKind.RESUMED, then=Value(1)),
                default=Value(2),
                output_field=BigIntegerField(),
            ),
            at_s=Epoch("at"),
        )
        .order_by()
        .values_list("ticket_id", "kind_code", "at_s", "id"),
        4,
    )


def _simple_pauses(
    pause_marks: Array,
    marks: Array,
    ticket_id: Array,
    simple: Array,
    start: Array,
    stop: Array,
    cut: int,
) -> PauseSet:
    """(pause, resume) pairs of alternating tickets, on their restore and resolution clocks."""
    n = ticket_id.size
    if pause_marks.size == 0 or not simple.any():
        return PauseSet.empty(n)
    # The mark after a pause is its resume when it belongs to the same ticket; else it is
    # still open (up to the clock's end).
    index = np.flatnonzero(np.isin(marks[:, 3], pause_marks[:, 3]))
    following = np.minimum(index + 1, marks.shape[0] - 1)
    closed = (index + 1 < marks.shape[0]) & (marks[following, 0] == marks[index, 0])
    p_ticket, p_start = marks[index, 0], marks[index, 2]
    p_end = np.where(closed, marks[following, 2], np.iinfo(np.int64).max)
    order = np.argsort(p_ticket, kind="stable")
    p_ticket, p_start, p_end = p_ticket[order], p_start[order], p_end[order]
    rows = np.flatnonzero(simple)
    lo = np.searchsorted(p_ticket, ticket_id[rows], "left")
    hi = np.searchsorted(p_ticket, ticket_id[rows], "right")
    counts = hi - lo
    row_of = np.repeat(rows, counts)
    pick = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(
        int(counts.sum())
    )
    end = np.where(stop == NONE, cut, stop)[row_of]
    a = np.maximum(p_start[pick], start[row_of])
    b = np.minimum(p_end[pick], end)
    keep = a < b
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.add.at(offsets, row_of[keep] + 1, 1)
    return PauseSet(np.cumsum(offsets), a[keep], b[keep])


def _replay_rows(
    rows: Array,
    ticket_id: Array,
    metric: Array,
    cut: int,
    start: Array,
    stop: Array,
    rules: Sequence[MetricDef],
) -> dict[int, list[tuple[int, int]]]:
    """The engine's replay, per clock, for tickets that reopened or paused irregularly."""
    wanted = unique_ints(ticket_id[rows]).tolist()
    kinds = clock_event_kinds(rules)
    kind_code = Case(
        *[When(kind=k, then=Value(i)) for i, k in enumerate(kinds)],
        output_field=BigIntegerField(),
    )
    events = np.concatenate(
        [
            _fetch(
                TicketEvent.objects.filter(
                    ids_in("ticket_id", wanted[i : i + _IN_CHUNK]),
                    kind__in=kinds,
                    at__lte=_utc(cut),
                )
                .annotate(kind_code=kind_code, at_s=Epoch("at"))
                .order_by()
                .values_list("ticket_id", "kind_code", "at_s", "id"),
                4,
            )
            for i in range(0, len(wanted), _IN_CHUNK)
        ]
    )
    events = events[np.lexsort((events[:, 3], events[:, 2], events[:, 0]))]
    facts: dict[int, list[EventFact]] = {}
    for tid, kind, at, _ in events.tolist():
        # ``clock_events`` only passes ``at`` through, so epoch seconds can stand in for it.
        facts.setdefault(tid, []).append(EventFact(at=at, kind=kinds[kind]))
    pairs: dict[int, list[tuple[int, int]]] = {}
    for row in rows.tolist():
        timed = [
            (cast(int, e.at), str(e.kind))
            for e in clock_events(rules[metric[row]], facts.get(int(ticket_id[row]), []))
        ]
        history = replay(timed, cut)
        if history is None:
            continue
        start[row] = history.started
        stop[row] = NONE if history.stopped is None else history.stopped
        end = cut if history.stopped is None else history.stopped
        idle = [(a, min(b, end)) for a, b in history.idle_until(end) if a < end]
        if idle:
            pairs[row] = idle
    return pairs


def _pause_set(n_rows: int, pairs: dict[int, list[tuple[int, int]]]) -> PauseSet:
    if not pairs:
        return PauseSet.empty(n_rows)
    counts = np.zeros(n_rows, dtype=np.int64)
    flat: list[tuple[int, int]] = []
    for row in sorted(pairs):
        counts[row] = len(pairs[row])
        flat.extend(pairs[row])
    offsets = np.concatenate(([0], np.cumsum(counts)))
    array = np.array(flat, dtype=np.int64).reshape(-1, 2)
    return PauseSet(offsets, array[:, 0], array[:, 1])


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


# The readers and array helpers above, for the tier replay (``servicepact.tiers.replay``),
# which builds a ClockSet from ticket events under another plan's terms with the same pieces.
fetch_ints = _fetch
packing_query = _packing_query
read_packed = _read_packed
take_pauses = _take_pauses
pause_set = _pause_set
calendar_uses = _calendars
known_zones = _known_zones
sparse = _sparse
empty_clocks = _empty
