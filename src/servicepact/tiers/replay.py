"""Tier replay: a contract's past clocks re-measured from their events under other terms.

The live path (``tickets.refresh``) turns each ticket's events into engine clock events per
metric (``tickets.clocks.clock_events``), applies the engine's event rules
(``slaclock.clock_replay.replay``: start, pause, resume, stop, reopen), measures business time
on the target's calendar and settles "not required" clocks (``tickets.refresh.settle``).
Statements read the stored result of that as arrays (``billing.clockdata.ClockSet``).

This module does the same from the events, for every ticket of the contracts at once, with
the targets and calendars of ``terms_of(ticket)`` instead of the ticket's own:

1. read the tickets (priority, category, kind, version, zone) and their clock events up to
   the cut-off with a few integer queries (``billing.clockdata.fetch_ints``; on PostgreSQL
   the big ones split over two connections in one snapshot: ``billing.sliced``);
2. per metric, find each ticket's start (first start-stage event) and stop (first stop or
   end event after it) with numpy; waits on the customer become pause intervals the same
   way (``clockdata``'s simple case). Tickets that reopened or paused irregularly go through
   the engine's own ``replay`` per clock (exactly ``clockdata._replay_rows``);
3. measure every clock in ONE engine call over all calendars
   (``business_seconds_many_mixed``), breach instants in one more (``deadline_many_mixed``);
4. drop the clocks that ended "not required" (ended by an end stage before their deadline).

The result is a ``ClockSet``: everything statements compute from one (``decided_between``,
``billing.facts.breach_facts``, ``statement_rules.compliance``, credits) works unchanged.
Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

import numpy as np
from django.db.models import (
    BigIntegerField,
    Case,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from servicepact.billing.clockdata import (
    CATEGORIES,
    NONE,
    ClockSet,
    Instant,
    calendar_uses,
    candidate_clocks,
    empty_clocks,
    fetch_ints,
    known_zones,
    sparse,
    unique_ints,
)
from servicepact.billing.sliced import SlicedReads
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.contracts.models import Calendar
from servicepact.contracts.terms import Terms
from servicepact.core.heap import kept_heap
from servicepact.core.sql import ids_in, in_subquery_rows
from servicepact.core.time import require_aware, to_epoch
from servicepact.slaclock import PauseSet, business_seconds_many_mixed, deadline_many_mixed
from servicepact.slaclock.clock_replay import replay
from servicepact.tickets.choices import EventKind, TicketKind
from servicepact.tickets.clocks import EventFact, clock_event_kinds, clock_events, ended_unrequired
from servicepact.tickets.models import Ticket, TicketEvent

Array = np.ndarray[Any, Any]
KINDS: tuple[str, ...] = tuple(TicketKind.values)
# Which terms measure a ticket: called with the ticket's contract version id (NONE: none).
TermsOf = Callable[[int], Terms | None]


@dataclass(frozen=True)
class _Tickets:
    """The tickets' columns, sorted by id."""

    pk: Array
    contract: Array
    version: Array
    category: Array
    kind: Array
    zone: Array
    priority: Array
    covered: Array  # False: opened out of contract (no terms, no clocks)


@dataclass
class _Clocks:
    """The clocks found so far, as growing lists of arrays (one chunk per metric/path)."""

    row: list[Array]  # ticket row (into _Tickets)
    metric: list[Array]
    target: list[Array]
    use: list[Array]  # (calendar, zone) pair: index into ``_Terms.pairs``
    start: list[Array]
    stop: list[Array]
    unrequired: list[Array]  # ended by an end stage (not required unless breached)
    # Idle intervals: (clock index, start, end) chunks, by clock and time.
    pauses: list[tuple[Array, Array, Array]]
    count: int = 0

    def add(self, pauses: tuple[Array, Array, Array] | None = None, **cols: Array) -> None:
        n = int(cols["row"].size)
        for name, values in cols.items():
            kind = bool if name == "unrequired" else np.int64
            getattr(self, name).append(np.asarray(values, dtype=kind))
        if pauses is not None and pauses[0].size:
            clock, a, b = pauses
            self.pauses.append((clock + self.count, a, b))
        self.count += n


def replay_clocks(
    *,
    contract_ids: Sequence[int],
    since: datetime,
    cutoff: datetime,
    terms_of: TermsOf,
    asset_ids: Sequence[int] | None = None,
) -> ClockSet:
    """The contracts' clocks that can be decided in [since, cutoff), derived from the
    tickets' events under ``terms_of(version id)``, decided as of ``cutoff``; with
    ``asset_ids``, of the tickets on those assets only (filtered in the tickets query)."""
    require_aware(since, "since")
    require_aware(cutoff, "cutoff")
    # Hundreds of arrays of 8-30 MB made and freed: from a heap kept meanwhile, not each from
    # fresh kernel pages (ADR 0029).
    with kept_heap():
        return _replay(contract_ids, since, cutoff, terms_of, asset_ids)


def _replay(
    contract_ids: Sequence[int],
    since: datetime,
    cutoff: datetime,
    terms_of: TermsOf,
    asset_ids: Sequence[int] | None,
) -> ClockSet:
    cut = to_epoch(cutoff)
    definitions = load_metrics()
    metrics = tuple(definitions)
    zones = known_zones()
    kinds = clock_event_kinds(definitions.values())
    # The tickets and events in one snapshot, big reads on two connections (ADR 0027).
    with SlicedReads() as reads:
        tickets = _tickets(
            reads, _candidates(contract_ids, since, cutoff, asset_ids), zones, contract_ids
        )
        row, kind, at, tied = _events(reads, tickets.pk, kinds, cut)
    run = _Pass(tickets, row, kind, at, kinds, cut, tied)
    del row, kind, at
    clocks = _Clocks([], [], [], [], [], [], [], [])
    pairs: dict[tuple[int, int], int] = {}
    if tickets.pk.size and run.row.size:
        _find_clocks(clocks, run, metrics, definitions, terms_of, zones, pairs)
    # The events (and the positions found in them) are let go before the measuring, the
    # replay's largest step: a smaller peak of memory (docs/performance.md, tier replay).
    del run
    return _measure(clocks, tickets, cut, metrics, zones, pairs)


def _candidates(
    contract_ids: Sequence[int],
    since: datetime,
    cutoff: datetime,
    asset_ids: Sequence[int] | None = None,
) -> QuerySet[Ticket]:
    """Tickets that can have a clock decided in [since, cutoff): opened before the cut-off
    and not resolved before ``since`` — or with a stored clock still undecided then. With
    ``asset_ids``: on those assets only (in SQL, not after loading).

    Only a ticket resolved before ``since`` needs the stored clocks: the subquery looks at
    those tickets' clocks only (none when every ticket was resolved in the period or is
    open; PostgreSQL then never runs it, as it never did for a ticket the first two
    conditions admit)."""
    tickets = Ticket.objects.filter(contract_id__in=list(contract_ids), opened_at__lt=cutoff)
    if asset_ids is not None:
        tickets = tickets.filter(asset_id__in=list(asset_ids))
    resolved_before = tickets.filter(resolved_at__lt=since).order_by().values("pk")
    undecided = candidate_clocks(since=since, cutoff=cutoff).filter(
        in_subquery_rows("ticket_id", resolved_before)
    )
    return tickets.filter(
        Q(resolved_at__isnull=True)
        | Q(resolved_at__gte=since)
        | Q(pk__in=undecided.order_by().values("ticket_id"))
    )


def _code(field: str, values: Sequence[str], common: Sequence[str] = ()) -> Case:
    """``values.index(field)`` in SQL (NONE if absent); the ``common`` values are tested
    first (the database tries the branches in order)."""
    order = sorted(range(len(values)), key=lambda i: (values[i] not in common, i))
    return Case(
        *[When(**{field: values[i]}, then=Value(i)) for i in order],
        default=Value(NONE),
        output_field=BigIntegerField(),
    )


# Every ticket has these events, in about this order of frequency.
_COMMON_EVENTS = (EventKind.OPENED, EventKind.ACKNOWLEDGED, EventKind.RESOLVED, EventKind.CLOSED)


def _tickets(
    reads: SlicedReads, qs: QuerySet[Ticket], zones: list[str], contract_ids: Sequence[int]
) -> _Tickets:
    """The tickets' columns. The small codes (category, kind, zone, covered, priority)
    travel packed into one integer, and the contract only when there are several: every
    column of the read costs the database about as much as the scan (docs/performance.md,
    tier replay)."""
    single = len(set(contract_ids)) == 1  # the query admits only that contract's tickets
    names = (
        ("pk", "version_code", "packed")
        if single
        else ("pk", "contract_id", "version_code", "packed")
    )
    sizes = (len(CATEGORIES) + 1, len(KINDS) + 1, len(zones) + 1, 2)  # codes are >= -1
    parts = reads.fetch(
        qs.annotate(
            version_code=Coalesce("contract_version_id", Value(NONE)),
            packed=_packed(
                F("priority"),
                [
                    (
                        Case(
                            When(coverage=CoverageStatus.OUT_OF_CONTRACT, then=Value(0)),
                            default=Value(1),
                            output_field=BigIntegerField(),
                        ),
                        sizes[3],
                    ),
                    (_code("timezone", zones) + 1, sizes[2]),
                    (_code("kind", KINDS) + 1, sizes[1]),
                    (_code("category", CATEGORIES) + 1, sizes[0]),
                ],
            ),
        )
        .order_by()
        .values_list(*names),
        len(names),
        (),
        _as_read,
    )
    rows = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if np.any(rows[1:, 0] < rows[:-1, 0]):  # a sequential scan gives them in order as a rule
        rows = rows[np.argsort(rows[:, 0])]  # primary keys: unique, any sort will do
    if single:
        pk, version, rest = rows.T.copy()
        contract = np.full(pk.size, int(contract_ids[0]), dtype=np.int64)
    else:
        pk, contract, version, rest = rows.T.copy()
    rest, category = np.divmod(rest, sizes[0])
    rest, kind = np.divmod(rest, sizes[1])
    rest, zone = np.divmod(rest, sizes[2])
    priority, covered = np.divmod(rest, sizes[3])
    return _Tickets(
        pk, contract, version, category - 1, kind - 1, zone - 1, priority, covered.astype(bool)
    )


def _as_read(rows: Array) -> Array:
    return rows


def _packed(first: Any, rest: list[tuple[Any, int]]) -> Any:
    """``((first * size1 + code1) * size2 + code2) ...``: codes in [0, size) as one integer
    (read back with ``divmod`` in the reverse order)."""
    packed = first
    for code, size in rest:
        packed = packed * Value(size) + code
    return ExpressionWrapper(packed, output_field=BigIntegerField())


def _events(
    reads: SlicedReads, ticket_ids: Array, kinds: tuple[str, ...], cut: int
) -> tuple[Array, Array, Array, Array]:
    """The clock events up to the cut-off as three columns: the ticket's row in
    ``ticket_ids`` (sorted), the kind code and the epoch second; in ticket and time order,
    same-second events by id (the statements' order: ``billing.clockdata``); and the rows
    of the tickets with two events in one second (sorted).

    Read by ticket id range (a sequential read) unless the tickets are few and spread thin
    (then by id, in chunks), like ``clockdata`` reads tickets. The instant goes out of
    PostgreSQL as stored (``Instant``); the order is made by numpy, not SQL (a sort in
    PostgreSQL costs more than the whole read: docs/performance.md, tier replay). The event
    id is not read: only events of a ticket in the same second need it, and those tickets'
    events (a few in a million) are read again with it (``_retied``)."""
    none = np.zeros(0, dtype=np.int64)
    if ticket_ids.size == 0:
        return none.astype(np.intp), none, none, none.astype(np.intp)
    events = _event_rows(kinds)
    bits = _kind_bits(kinds)

    def columns(found: Array) -> tuple[Array, Array, Array]:
        return _event_columns(found, ticket_ids, bits, cut)

    if sparse(ticket_ids):
        parts = [
            columns(
                fetch_ints(
                    events.filter(ids_in("ticket_id", ticket_ids[i : i + _IN_CHUNK].tolist()))
                    .order_by()
                    .values_list("ticket_kind", "at_s"),
                    2,
                    instants=(1,),
                )
            )
            for i in range(0, ticket_ids.size, _IN_CHUNK)
        ]
    else:
        # Nearly every event of these tickets is a clock event: one sequential read beats the
        # (kind, at) or ticket index's random reads (3-5x on SQLite at 100k tickets), so the
        # range is on an expression no index serves; kind and instant are filtered by numpy
        # (in SQL they cost another CASE and comparison per row: 30 % more on SQLite). On
        # PostgreSQL the read is split by blocks over two connections, each slice filtered
        # by the thread that read it (``SlicedReads``).
        lo, hi = int(ticket_ids[0]), int(ticket_ids[-1])
        parts = reads.fetch(
            events.annotate(tid=F("ticket_id") + 0)
            .filter(tid__gte=lo, tid__lte=hi)
            .order_by()
            .values_list("ticket_kind", "at_s"),
            2,
            instants=(1,),
            then=columns,
        )
    if len(parts) == 1:
        row, kind, at = parts[0]
    else:
        row, kind, at = (np.concatenate([p[i] for p in parts]) for i in range(3))
    del parts  # each column below replaces the one before it in memory
    order, tied = _ticket_time_order(row, at)
    row, kind, at = row[order], kind[order], at[order]
    if tied.size:
        row, kind, at = _retied(row, kind, at, tied, ticket_ids, kinds, cut)
    return row, kind, at, tied


def _event_rows(kinds: tuple[str, ...]) -> QuerySet[Any]:
    """The events with the ticket and the kind code as one integer (one column less to
    read) and the instant as epoch seconds."""
    return TicketEvent.objects.annotate(
        ticket_kind=_packed(
            F("ticket_id"), [(_code("kind", kinds, _COMMON_EVENTS) + 1, 1 << _kind_bits(kinds))]
        ),
        at_s=Instant("at"),
    )


def _kind_bits(kinds: tuple[str, ...]) -> int:
    """Bits of the kind code (+1, 0 for another kind) in the ticket-and-kind integer: a
    power of two, so numpy splits it by a shift and a mask (a division costs 5x that)."""
    return len(kinds).bit_length()


def _event_columns(
    found: Array, ticket_ids: Array, bits: int, cut: int
) -> tuple[Array, Array, Array]:
    """(ticket row, kind code, second) of the rows read (ticket << bits | kind code + 1,
    second), keeping the clock events of the tickets up to the cut-off."""
    packed = found[:, 0]
    ticket, kind = packed >> bits, packed & ((1 << bits) - 1)
    at = found[:, 1]
    row = _rows_of(ticket_ids, ticket)
    keep = np.flatnonzero((row >= 0) & (kind > 0) & (at <= cut))
    return row[keep], kind[keep] - 1, at[keep]


def _retied(
    row: Array,
    kind: Array,
    at: Array,
    tied: Array,
    ticket_ids: Array,
    kinds: tuple[str, ...],
    cut: int,
) -> tuple[Array, Array, Array]:
    """The events (by ticket and second) with those of the ``tied`` rows — tickets with
    events in the same second, in no defined order among them — replaced by the same
    tickets' events read again with their ids and put in (ticket, second, id) order: the
    statements' order (``billing.clockdata``) as before. A ticket's events are one run:
    rewritten in place when they are the same events (the usual case), else cut out and the
    new ones put in their place."""
    ids = ticket_ids[tied]
    found = np.concatenate(
        [
            fetch_ints(
                _event_rows(kinds)
                .filter(ids_in("ticket_id", ids[i : i + _IN_CHUNK].tolist()))
                .order_by()
                .values_list("ticket_kind", "at_s", "id"),
                3,
                instants=(1,),
            )
            for i in range(0, ids.size, _IN_CHUNK)
        ]
    )
    bits = _kind_bits(kinds)
    found = found[np.lexsort((found[:, 2], found[:, 1], found[:, 0] >> bits))]
    new_row, new_kind, new_at = _event_columns(found[:, :2], ticket_ids, bits, cut)
    lo, hi = np.searchsorted(row, tied), np.searchsorted(row, tied, side="right")
    if new_row.size == int((hi - lo).sum()) and np.array_equal(new_row, np.repeat(tied, hi - lo)):
        # The same events (as expected): rewritten in place, in their exact order.
        place = np.concatenate(
            [np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
        )
        kind[place], at[place] = new_kind, new_at
        return row, kind, at
    # An event came or went between the two reads: the second read's stand.
    drop = np.zeros(ticket_ids.size, dtype=bool)
    drop[tied] = True
    keep = np.flatnonzero(~drop[row])
    row, kind, at = row[keep], kind[keep], at[keep]
    # Each ticket's new events go where its run was (rows ascending, ``ids`` too).
    place = np.searchsorted(row, new_row)
    return (
        np.insert(row, place, new_row),
        np.insert(kind, place, new_kind),
        np.insert(at, place, new_at),
    )


def _rows_of(sorted_ids: Array, ids: Array) -> Array:
    """Each of ``ids``' position in ``sorted_ids`` (unique, ascending), -1 where absent: by a
    table over the id range when it is dense enough (one gather), else by binary search."""
    if sorted_ids.size == 0 or ids.size == 0:
        return np.full(ids.size, -1, dtype=np.intp)
    lo, hi = int(sorted_ids[0]), int(sorted_ids[-1])
    if hi - lo < 8 * sorted_ids.size + 1024:
        table = np.full(hi - lo + 3, -1, dtype=np.intp)
        table[sorted_ids - (lo - 1)] = np.arange(sorted_ids.size)
        # Ids outside [lo, hi] land on the first or last slot: -1.
        return np.asarray(table[np.clip(ids - (lo - 1), 0, hi - lo + 2)])
    at = np.searchsorted(sorted_ids, ids)
    hit = sorted_ids[np.minimum(at, sorted_ids.size - 1)] == ids
    return np.where(hit, at, -1)


def _ticket_time_order(row: Array, at: Array) -> tuple[Array, Array]:
    """The permutation that sorts the events by ticket row and second, and the rows of the
    tickets with two events in the same second (whose order among them it leaves open).

    One key ``row * span + second`` sorted by numpy's default sort: a 3-key ``lexsort``
    of 350k events costs 10x that."""
    if row.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    low = int(at.min())
    span = int(at.max()) - low + 1
    if (int(row.max()) + 1) * span >= 1 << 62:
        order = np.lexsort((at, row))
        same = (row[order][1:] == row[order][:-1]) & (at[order][1:] == at[order][:-1])
        return order, unique_ints(row[order][1:][same])
    key = row.astype(np.int64)
    key *= span
    key += at
    key -= low
    order = np.argsort(key)
    ordered = key[order]
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    return order, unique_ints(row[order[tied]])


_IN_CHUNK = 2_000


def _groups(values: Array) -> tuple[Array, Array, Array]:
    """``np.unique(values, return_index=True, return_inverse=True)`` of an integer array,
    by one sort (numpy 2.4's hash-based unique costs 10x: ``clockdata.unique_ints``); the
    index is of some occurrence of each value, not necessarily the first."""
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(values.size, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(values.size, dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], order[new], inverse


@dataclass(frozen=True)
class _Combos:
    """The distinct (terms, priority, category, kind, zone) of the tickets, and which one
    each ticket has: targets are looked up once per combination, not per ticket."""

    terms: list[Terms | None]
    values: list[tuple[int, int, int, int]]  # priority, category, kind, zone code
    inverse: Array  # per ticket: its combination
    count: int


def _combos(tickets: _Tickets, terms_of: TermsOf) -> _Combos:
    keys = np.where(tickets.covered, tickets.version, NONE)
    versions, _, version_index = _groups(keys)
    # One integer per combination (each column shifted to >= 0 and packed by its range).
    columns = [
        version_index,
        tickets.priority,
        tickets.category + 1,
        tickets.kind + 1,
        tickets.zone + 1,
    ]
    packed = np.zeros(tickets.pk.size, dtype=np.int64)
    for column in columns:
        packed = packed * (int(column.max(initial=0)) + 1) + column
    unique, first, inverse = _groups(packed)
    table = {int(k): (terms_of(int(k)) if k != NONE else None) for k in versions.tolist()}
    return _Combos(
        terms=[table[int(keys[i])] for i in first.tolist()],
        values=[
            (
                int(tickets.priority[i]),
                int(tickets.category[i]),
                int(tickets.kind[i]),
                int(tickets.zone[i]),
            )
            for i in first.tolist()
        ],
        inverse=inverse,
        count=int(unique.size),
    )


@dataclass(frozen=True)
class _Pass:
    """What every step of one replay reads: the tickets, their events (as columns, by
    ticket, time and id), the cut-off."""

    tickets: _Tickets
    row: Array  # each event's ticket row in ``tickets``
    kind: Array  # each event's kind code (into ``kinds``)
    at: Array  # each event's epoch second
    kinds: tuple[str, ...]
    cut: int
    tied: Array  # rows of the tickets with two events in one second (sorted)
    # Positions and keys of events by kind set, computed once for every metric that asks.
    memo: dict[Any, Array] = field(default_factory=dict, compare=False, repr=False)

    def codes(self, wanted: frozenset[str] | set[str] | tuple[str, ...]) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k in wanted]

    def code(self, kind: str) -> int:
        return self.kinds.index(kind)

    def of_kinds(self, codes: Sequence[int]) -> Array:
        """Mask of the events of these kind codes (a table lookup, not ``np.isin``)."""
        return self.of_codes(self.kind, codes)

    def of_codes(self, kind: Array, codes: Sequence[int]) -> Array:
        """Mask of the kind codes ``kind`` that are among ``codes``."""
        table = np.zeros(len(self.kinds), dtype=bool)
        table[list(codes)] = True
        return np.asarray(table[kind])

    def positions(self, codes: Sequence[int]) -> Array:
        """Positions (ascending) of the events of these kind codes."""
        wanted = ("at", tuple(sorted(codes)))
        if wanted not in self.memo:
            self.memo[wanted] = np.flatnonzero(self.of_kinds(codes))
        return self.memo[wanted]

    def keys_of(self, codes: Sequence[int]) -> Array:
        """``row * _KEY + second`` of the events of these kind codes: ascending, as the
        events are by ticket and time."""
        wanted = ("key", tuple(sorted(codes)))
        if wanted not in self.memo:
            at = self.positions(codes)
            self.memo[wanted] = self.row[at].astype(np.int64) * _KEY + self.at[at]
        return self.memo[wanted]


def _firsts(rows: Array) -> Array:
    """Positions in ``rows`` (sorted) where a new value begins."""
    new = np.empty(rows.size, dtype=bool)
    new[:1] = True
    np.not_equal(rows[1:], rows[:-1], out=new[1:])
    return np.flatnonzero(new)


def _member(sorted_values: Array, wanted: Array) -> Array:
    """Mask of ``wanted`` found in ``sorted_values`` (ascending): ``np.isin`` by search."""
    if sorted_values.size == 0:
        return np.zeros(wanted.size, dtype=bool)
    at = np.searchsorted(sorted_values, wanted)
    return np.asarray(sorted_values[np.minimum(at, sorted_values.size - 1)] == wanted)


def _find_clocks(
    clocks: _Clocks,
    run: _Pass,
    metrics: tuple[str, ...],
    definitions: dict[str, MetricDef],
    terms_of: TermsOf,
    zones: list[str],
    pairs: dict[tuple[int, int], int],
) -> None:
    hard = _hard_tickets(run)
    combos = _combos(run.tickets, terms_of)
    calendar_zones: dict[int, int] = {}
    for m, metric in enumerate(metrics):
        rule = definitions[metric]
        term = _term_columns(combos, rule, metric, zones, calendar_zones, pairs)
        starts = run.positions([run.code(rule.start)])
        if starts.size == 0:
            continue
        first = starts[_firsts(run.row[starts])]  # events are by ticket and time
        rows = run.row[first]
        keep = term[0][rows] != NONE
        first, rows = first[keep], rows[keep]
        easy = ~hard[rows]
        _simple(clocks, run, m, rule, first[easy], rows[easy], term)
        _hard(clocks, run, m, rule, rows[~easy], term)


def _hard_tickets(run: _Pass) -> Array:
    """Tickets that reopened, or whose waits do not read pause, resume, pause, ...: the
    engine's replay per clock decides them (as ``clockdata._replay_paused`` does)."""
    paused, resumed = run.code(EventKind.PAUSED), run.code(EventKind.RESUMED)
    hard = np.zeros(run.tickets.pk.size, dtype=bool)
    marks = run.positions(run.codes(_MARKS))
    if marks.size == 0:
        return hard
    rows = run.row[marks]
    first = _firsts(rows)
    group_start = np.repeat(first, np.diff(np.append(first, rows.size)))
    expected = np.where((np.arange(rows.size) - group_start) % 2 == 0, paused, resumed)
    hard[rows[run.kind[marks] != expected]] = True
    return hard


_MARKS = (EventKind.PAUSED, EventKind.RESUMED, EventKind.REOPENED)


def _term_columns(
    combos: _Combos,
    rule: MetricDef,
    metric: str,
    zones: list[str],
    calendar_zones: dict[int, int],
    pairs: dict[tuple[int, int], int],
) -> tuple[Array, Array]:
    """Per ticket: the target seconds (NONE: no clock) of the metric under the ticket's
    replay terms, at its priority and for its category (the most specific target,
    ``Terms.target``), and the (calendar, zone) it is measured in — the site's zone or the
    calendar's — as an index into ``pairs`` (grown here)."""
    target = np.full(combos.count, NONE, dtype=np.int64)
    use = np.full(combos.count, NONE, dtype=np.int64)
    for u, (terms, (priority, category, kind, site_zone)) in enumerate(
        zip(combos.terms, combos.values, strict=True)
    ):
        cat = CATEGORIES[category] if category != NONE else ""
        if terms is None or not rule.applies(cat, KINDS[kind] if kind != NONE else ""):
            continue
        found = terms.target(priority, metric, cat)
        if found is None:
            continue
        target[u] = found.target_seconds
        if found.measure_in_site_timezone and site_zone != NONE:
            zone = site_zone
        else:
            if found.calendar_id not in calendar_zones:
                name = Calendar.objects.values_list("timezone", flat=True).get(pk=found.calendar_id)
                calendar_zones[found.calendar_id] = zones.index(name)
            zone = calendar_zones[found.calendar_id]
        use[u] = pairs.setdefault((found.calendar_id, zone), len(pairs))
    return target[combos.inverse], use[combos.inverse]


def _simple(
    clocks: _Clocks,
    run: _Pass,
    m: int,
    rule: MetricDef,
    first: Array,
    rows: Array,
    term: tuple[Array, Array],
) -> None:
    """Clocks of tickets that never reopened and alternate pause/resume, with numpy: the
    stop is the first stop or end stage after the start (the engine ignores later ones)."""
    if rows.size == 0:
        return
    stops, ends = run.codes(rule.stops), run.codes(rule.ends)
    halting = run.positions(stops + ends)
    at = np.searchsorted(halting, first, side="right")
    found = at < halting.size
    found[found] = run.row[halting[at[found]]] == rows[found]
    stop_row = halting[np.minimum(at, max(halting.size - 1, 0))] if halting.size else at
    stop = np.where(found, run.at[stop_row] if halting.size else NONE, NONE)
    clocks.add(
        _pauses(run, first, rows, stop) if rule.pausable else None,
        row=rows,
        metric=np.full(rows.size, m),
        target=term[0][rows],
        use=term[1][rows],
        start=run.at[first],
        stop=stop,
        unrequired=_ended_by_end(run, rows, stop, stop_row, found, stops, ends),
    )


def _ended_by_end(
    run: _Pass,
    rows: Array,
    stop: Array,
    stop_row: Array,
    found: Array,
    stops: list[int],
    ends: list[int],
) -> Array:
    """``tickets.clocks.ended_unrequired``: at the stop instant an end stage happened and
    no stop stage did.

    A ticket without two events in one second has one event at the stop instant, the
    stopping one (``stop_row``): its kind decides. Only the tickets with same-second events
    (``run.tied``) look at every event of that second."""
    if not ends:
        return np.zeros(rows.size, dtype=bool)
    kind = run.kind[np.minimum(stop_row, run.kind.size - 1)]
    ended = found & run.of_codes(kind, ends) & ~run.of_codes(kind, stops)
    exact = np.flatnonzero(found & _member(run.tied, rows))
    if exact.size:
        # (ticket row, second) as one key: ascending over the events (by ticket and time).
        wanted = rows[exact] * _KEY + stop[exact]
        ended[exact] = _member(run.keys_of(ends), wanted) & ~_member(run.keys_of(stops), wanted)
    return ended


_KEY = 10**11  # row * _KEY + epoch: a unique (ticket, instant) key up to the year 5138


def _pauses(run: _Pass, first: Array, rows: Array, stop: Array) -> tuple[Array, Array, Array]:
    """The waits of each clock: (clock, pause, next resume) after its start, cut at its
    stop (an open wait runs to the stop, or to the cut-off, which ``_measure`` applies), by
    clock and time. A wait that began before the clock started is ignored, as the engine
    ignores it."""
    none = np.zeros(0, dtype=np.int64)
    marks = run.positions([run.code(EventKind.PAUSED)])
    if marks.size == 0:
        return none, none, none
    resumes = run.positions([run.code(EventKind.RESUMED)])
    at = np.searchsorted(resumes, marks, side="right")
    ok = at < resumes.size
    ok[ok] = run.row[resumes[at[ok]]] == run.row[marks[ok]]
    nxt = np.where(ok, resumes[np.minimum(at, max(resumes.size - 1, 0))] if resumes.size else 0, -1)
    position = np.full(run.tickets.pk.size, -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    clock = position[run.row[marks]]
    keep = clock >= 0
    keep[keep] = marks[keep] > first[clock[keep]]
    top = np.iinfo(np.int64).max
    a = run.at[marks]
    b = np.where(nxt >= 0, run.at[np.maximum(nxt, 0)], top)
    b = np.minimum(b, np.where(stop == NONE, top, stop)[np.maximum(clock, 0)])
    keep &= a < b
    # Marks are by ticket and time, and clocks by ticket: already by clock and time.
    return clock[keep], a[keep], b[keep]


def _hard(
    clocks: _Clocks,
    run: _Pass,
    m: int,
    rule: MetricDef,
    rows: Array,
    term: tuple[Array, Array],
) -> None:
    """Clocks of reopened or irregularly paused tickets: the engine's replay, one by one
    (``clockdata._replay_rows``)."""
    if rows.size == 0:
        return
    found: list[tuple[int, int, int, bool]] = []
    idle_rows: list[tuple[int, int, int]] = []
    for r in rows.tolist():
        # Events are in ticket order: the ticket's are one slice.
        lo, hi = np.searchsorted(run.row, [r, r + 1])
        # ``clock_events`` only passes ``at`` through: epoch seconds stand in for it.
        facts = [
            EventFact(at=cast(datetime, at), kind=run.kinds[k])
            for k, at in zip(run.kind[lo:hi].tolist(), run.at[lo:hi].tolist(), strict=True)
        ]
        timed = [(cast(int, e.at), str(e.kind)) for e in clock_events(rule, facts)]
        history = replay(timed, run.cut)
        if history is None:
            continue
        end = run.cut if history.stopped is None else history.stopped
        idle_rows.extend(
            (len(found), a, min(b, end)) for a, b in history.idle_until(end) if a < end
        )
        stopped = history.stopped
        unrequired = stopped is not None and ended_unrequired(rule, facts, cast(datetime, stopped))
        found.append((r, history.started, NONE if stopped is None else stopped, unrequired))
    if not found:
        return
    picked = np.array([f[0] for f in found], dtype=np.int64)
    idle = np.array(idle_rows, dtype=np.int64).reshape(-1, 3)
    clocks.add(
        (idle[:, 0], idle[:, 1], idle[:, 2]),
        row=picked,
        metric=np.full(picked.size, m),
        target=term[0][picked],
        use=term[1][picked],
        start=np.array([f[1] for f in found], dtype=np.int64),
        stop=np.array([f[2] for f in found], dtype=np.int64),
        unrequired=np.array([f[3] for f in found], dtype=bool),
    )


def _measure(
    clocks: _Clocks,
    tickets: _Tickets,
    cut: int,
    metrics: tuple[str, ...],
    zones: list[str],
    pairs: dict[tuple[int, int], int],
) -> ClockSet:
    """Business time of every clock in one engine call over all calendars; breach instants
    in one more; "not required" clocks dropped; a ``ClockSet`` like ``load_clocks`` gives.
    Each column's chunks, and each full column once its kept clocks are taken, are let go
    as soon as they are no longer needed (the peak of memory: 2.5M clocks at 1M tickets)."""
    if clocks.count == 0:
        return replace(empty_clocks(cut), metrics=metrics)
    col = {name: _joined(getattr(clocks, name)) for name in _COLUMNS}
    n = clocks.count
    stop, start = col["stop"], col["start"]
    end = np.where(stop == NONE, cut, stop)
    idle = _idle(n, clocks.pauses, end)
    # The (calendar, zone) pairs the clocks use, in (calendar, zone code) order as loaded
    # statements list them; each clock's index into them.
    width = len(zones) + 1
    used = np.flatnonzero(np.bincount(col["use"], minlength=len(pairs)))
    by_pair = {index: pair for pair, index in pairs.items()}
    order = sorted(used.tolist(), key=lambda i: by_pair[i][0] * width + by_pair[i][1])
    renumber = np.zeros(len(pairs), dtype=np.intp)
    renumber[order] = np.arange(len(order))
    uses = calendar_uses(
        [(by_pair[i][0], zones[by_pair[i][1]]) for i in order], int(start.min()), cut
    )
    compiled = [u.compiled for u in uses]
    index = renumber[col.pop("use")]
    elapsed = business_seconds_many_mixed(compiled, index, start, end, idle)
    target = col["target"]
    breached = elapsed > target
    deadline = np.full(n, NONE, dtype=np.int64)
    hit = np.flatnonzero(breached)
    if hit.size:
        deadline[hit] = deadline_many_mixed(
            compiled, index[hit], start[hit], target[hit], _take_pauses(idle, hit)
        )
    # Settled like ``tickets.refresh.settle``: ended unrequired before the deadline.
    kept = np.flatnonzero(~(col.pop("unrequired") & ~breached & (stop != NONE)))
    # The kept clocks' columns, each taken once (``ClockSet.take`` of the whole set would
    # first build the ticket columns of the dropped ones too), and not at all when every
    # clock is kept (2.5M clocks: 16 copies cost 0.25 s); each full column let go once its
    # kept clocks are taken.
    every = kept.size == n
    full = {
        **col,
        "end": end,
        "elapsed": elapsed,
        "breached": breached,
        "deadline": deadline,
        "index": index,
    }
    del col, stop, start, end, elapsed, target, breached, deadline, index
    out = {name: full.pop(name) if every else full.pop(name)[kept] for name in list(full)}
    rows = out["row"]
    return ClockSet(
        cutoff=cut,
        clock_id=-1 - kept,  # not stored clocks
        ticket_id=tickets.pk[rows],
        contract_id=tickets.contract[rows],
        version_id=tickets.version[rows],
        metric=out["metric"],
        priority=tickets.priority[rows],
        target=out["target"],
        start=out["start"],
        stop=out["stop"],
        end=out["end"],
        elapsed=out["elapsed"],
        breached=out["breached"],
        deadline=out["deadline"],
        decided_at=np.where(out["breached"], out["deadline"], out["stop"]),
        calendar_index=out["index"],
        calendars=uses,
        pauses=idle if every else _take_pauses(idle, kept),
        metrics=metrics,
        category=tickets.category[rows],
    )


def _joined(chunks: list[Array]) -> Array:
    """The chunks as one array; the list emptied (the chunks let go)."""
    joined = np.concatenate(chunks)
    chunks.clear()
    return joined


def _idle(n: int, chunks: list[tuple[Array, Array, Array]], end: Array) -> PauseSet:
    """The clocks' idle intervals as a ``PauseSet``; open waits of simple tickets were left
    open-ended: cut at the clock's end."""
    none = np.zeros(0, dtype=np.int64)
    if not chunks:
        return PauseSet.from_row_index(n, none, none, none)
    clock = np.concatenate([c for c, _, _ in chunks])
    a = np.concatenate([a for _, a, _ in chunks])
    b = np.minimum(np.concatenate([b for _, _, b in chunks]), end[clock])
    # Chunks come in clock order and each is by clock and time: no per-clock pass beyond
    # the count (``PauseSet.from_row_index``).
    return PauseSet.from_row_index(n, clock, a, b)


def _take_pauses(pauses: PauseSet, rows: Array) -> PauseSet:
    """``clockdata.take_pauses`` for ascending ``rows``, by the pauses (few) rather than by
    the clocks (millions): each pause's row found in ``rows`` by binary search."""
    at = np.searchsorted(rows, pauses.rows)
    hit = at < rows.size
    hit[hit] = rows[at[hit]] == pauses.rows[hit]
    return PauseSet.from_row_index(rows.size, at[hit], pauses.start[hit], pauses.end[hit])


_COLUMNS = ("row", "metric", "target", "use", "start", "stop", "unrequired")
