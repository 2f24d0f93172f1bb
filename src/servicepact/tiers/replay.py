"""Tier replay: a contract's past clocks re-measured from their events under other terms.

The live path (``tickets.refresh``) turns each ticket's events into engine clock events per
metric (``tickets.clocks.clock_events``), applies the engine's event rules
(``slaclock.clock_replay.replay``: start, pause, resume, stop, reopen), measures business time
on the target's calendar and settles "not required" clocks (``tickets.refresh.settle``).
Statements read the stored result of that as arrays (``billing.clockdata.ClockSet``).

This module does the same from the events, for every ticket of the contracts at once, with
the targets and calendars of ``terms_of(ticket)`` instead of the ticket's own:

1. read the tickets (priority, category, kind, version, zone) and their clock events up to
   the cut-off with a few integer queries (``billing.clockdata.fetch_ints``);
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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

import numpy as np
from django.db.models import BigIntegerField, Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from servicepact.billing.clockdata import (
    CATEGORIES,
    NONE,
    ClockSet,
    Epoch,
    calendar_uses,
    candidate_clocks,
    empty_clocks,
    fetch_ints,
    known_zones,
    pause_set,
    sparse,
    take_pauses,
)
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.contracts.models import Calendar
from servicepact.contracts.terms import Terms
from servicepact.core.sql import ids_in
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
    calendar: list[Array]
    zone: list[Array]
    start: list[Array]
    stop: list[Array]
    unrequired: list[Array]  # ended by an end stage (not required unless breached)
    pauses: dict[int, list[tuple[int, int]]]  # clock index -> idle intervals
    count: int = 0

    def add(self, pauses: dict[int, list[tuple[int, int]]] | None = None, **cols: Array) -> None:
        n = int(cols["row"].size)
        for name, values in cols.items():
            kind = bool if name == "unrequired" else np.int64
            getattr(self, name).append(np.asarray(values, dtype=kind))
        for k, idle in (pauses or {}).items():
            self.pauses[self.count + k] = idle
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
    cut = to_epoch(cutoff)
    definitions = load_metrics()
    metrics = tuple(definitions)
    zones = known_zones()
    tickets = _tickets(_candidates(contract_ids, since, cutoff, asset_ids), zones)
    kinds = clock_event_kinds(definitions.values())
    events = _events(tickets.pk, kinds, cut)
    run = _Pass(tickets, events, np.searchsorted(tickets.pk, events[:, 0]), kinds, cut)
    clocks = _Clocks([], [], [], [], [], [], [], [], {})
    if tickets.pk.size and events.size:
        _find_clocks(clocks, run, metrics, definitions, terms_of, zones)
    return _measure(clocks, run, metrics, zones)


def _candidates(
    contract_ids: Sequence[int],
    since: datetime,
    cutoff: datetime,
    asset_ids: Sequence[int] | None = None,
) -> QuerySet[Ticket]:
    """Tickets that can have a clock decided in [since, cutoff): opened before the cut-off
    and not resolved before ``since`` — or with a stored clock still undecided then. With
    ``asset_ids``: on those assets only (in SQL, not after loading)."""
    undecided = candidate_clocks(
        since=since, cutoff=cutoff, contract_ids=contract_ids, asset_ids=asset_ids
    )
    tickets = Ticket.objects.filter(contract_id__in=list(contract_ids), opened_at__lt=cutoff)
    if asset_ids is not None:
        tickets = tickets.filter(asset_id__in=list(asset_ids))
    return tickets.filter(
        Q(resolved_at__isnull=True)
        | Q(resolved_at__gte=since)
        | Q(pk__in=undecided.order_by().values("ticket_id"))
    )


def _code(field: str, values: Sequence[str]) -> Case:
    return Case(
        *[When(**{field: v}, then=Value(i)) for i, v in enumerate(values)],
        default=Value(NONE),
        output_field=BigIntegerField(),
    )


def _tickets(qs: QuerySet[Ticket], zones: list[str]) -> _Tickets:
    rows = fetch_ints(
        qs.annotate(
            version_code=Coalesce("contract_version_id", Value(NONE)),
            category_code=_code("category", CATEGORIES),
            kind_code=_code("kind", KINDS),
            zone_code=_code("timezone", zones),
            out_code=Case(
                When(coverage=CoverageStatus.OUT_OF_CONTRACT, then=Value(0)),
                default=Value(1),
                output_field=BigIntegerField(),
            ),
        )
        .order_by()
        .values_list(
            "pk",
            "contract_id",
            "version_code",
            "category_code",
            "kind_code",
            "zone_code",
            "priority",
            "out_code",
        ),
        8,
    )
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    pk, contract, version, category, kind, zone, priority, covered = rows.T.copy()
    return _Tickets(pk, contract, version, category, kind, zone, priority, covered.astype(bool))


def _events(ticket_ids: Array, kinds: tuple[str, ...], cut: int) -> Array:
    """(ticket, kind code, epoch, id) of the clock events up to the cut-off, in ticket and
    time order (same-second events by id: the order ``facts_by_ticket`` gives).

    Read by ticket id range (a sequential read) unless the tickets are few and spread thin
    (then by id, in chunks), like ``clockdata`` reads tickets."""
    if ticket_ids.size == 0:
        return np.zeros((0, 4), dtype=np.int64)
    events = TicketEvent.objects.annotate(kind_code=_code("kind", kinds), at_s=Epoch("at"))
    if sparse(ticket_ids):
        parts = [
            events.filter(ids_in("ticket_id", ticket_ids[i : i + _IN_CHUNK].tolist()))
            for i in range(0, ticket_ids.size, _IN_CHUNK)
        ]
    else:
        # Nearly every event of these tickets is a clock event: one sequential read beats the
        # (kind, at) or ticket index's random reads (3-5x on SQLite at 100k tickets), so the
        # range is on an expression no index serves; kind and instant are filtered by numpy
        # (in SQL they cost another CASE and strftime per row: 30 % more).
        lo, hi = int(ticket_ids[0]), int(ticket_ids[-1])
        parts = [events.annotate(tid=F("ticket_id") + 0).filter(tid__gte=lo, tid__lte=hi)]
    found = np.concatenate(
        [
            fetch_ints(
                part.order_by().values_list("ticket_id", "kind_code", "at_s", "id"),
                4,
            )
            for part in parts
        ]
    )
    found = found[(found[:, 1] >= 0) & (found[:, 2] <= cut) & np.isin(found[:, 0], ticket_ids)]
    return found[np.lexsort((found[:, 3], found[:, 2], found[:, 0]))]


_IN_CHUNK = 2_000


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
    versions, version_index = np.unique(keys, return_inverse=True)
    # One integer per combination (each column shifted to >= 0 and packed by its range).
    columns = [
        version_index.reshape(-1),
        tickets.priority,
        tickets.category + 1,
        tickets.kind + 1,
        tickets.zone + 1,
    ]
    packed = np.zeros(tickets.pk.size, dtype=np.int64)
    for column in columns:
        packed = packed * (int(column.max(initial=0)) + 1) + column
    unique, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
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
        inverse=inverse.reshape(-1),
        count=int(unique.size),
    )


@dataclass(frozen=True)
class _Pass:
    """What every step of one replay reads: the tickets, their events, the cut-off."""

    tickets: _Tickets
    events: Array  # (ticket, kind code, epoch, id), by ticket, time, id
    ticket_row: Array  # each event's row in ``tickets``
    kinds: tuple[str, ...]
    cut: int

    def codes(self, wanted: frozenset[str] | set[str] | tuple[str, ...]) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k in wanted]

    def code(self, kind: str) -> int:
        return self.kinds.index(kind)


def _find_clocks(
    clocks: _Clocks,
    run: _Pass,
    metrics: tuple[str, ...],
    definitions: dict[str, MetricDef],
    terms_of: TermsOf,
    zones: list[str],
) -> None:
    hard = _hard_tickets(run)
    combos = _combos(run.tickets, terms_of)
    calendar_zones: dict[int, int] = {}
    for m, metric in enumerate(metrics):
        rule = definitions[metric]
        term = _term_columns(combos, rule, metric, zones, calendar_zones)
        starts = np.flatnonzero(run.events[:, 1] == run.code(rule.start))
        if starts.size == 0:
            continue
        first = starts[np.unique(run.ticket_row[starts], return_index=True)[1]]
        rows = run.ticket_row[first]
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
    marks = np.flatnonzero(np.isin(run.events[:, 1], run.codes(_MARKS)))
    if marks.size == 0:
        return hard
    rows = run.ticket_row[marks]
    first = np.unique(rows, return_index=True)[1]
    group_start = np.repeat(first, np.diff(np.append(first, rows.size)))
    expected = np.where((np.arange(rows.size) - group_start) % 2 == 0, paused, resumed)
    hard[rows[run.events[marks, 1] != expected]] = True
    return hard


_MARKS = (EventKind.PAUSED, EventKind.RESUMED, EventKind.REOPENED)


def _term_columns(
    combos: _Combos, rule: MetricDef, metric: str, zones: list[str], calendar_zones: dict[int, int]
) -> tuple[Array, Array, Array]:
    """Per ticket: the target seconds (NONE: no clock), calendar id and zone code of the
    metric under the ticket's replay terms, at its priority and for its category (the most
    specific target, ``Terms.target``), in the site's zone or the calendar's."""
    target = np.full(combos.count, NONE, dtype=np.int64)
    calendar = np.full(combos.count, NONE, dtype=np.int64)
    zone = np.full(combos.count, NONE, dtype=np.int64)
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
        calendar[u] = found.calendar_id
        if found.measure_in_site_timezone and site_zone != NONE:
            zone[u] = site_zone
        else:
            if found.calendar_id not in calendar_zones:
                name = Calendar.objects.values_list("timezone", flat=True).get(pk=found.calendar_id)
                calendar_zones[found.calendar_id] = zones.index(name)
            zone[u] = calendar_zones[found.calendar_id]
    return target[combos.inverse], calendar[combos.inverse], zone[combos.inverse]


def _simple(
    clocks: _Clocks,
    run: _Pass,
    m: int,
    rule: MetricDef,
    first: Array,
    rows: Array,
    term: tuple[Array, Array, Array],
) -> None:
    """Clocks of tickets that never reopened and alternate pause/resume, with numpy: the
    stop is the first stop or end stage after the start (the engine ignores later ones)."""
    if rows.size == 0:
        return
    events = run.events
    stops, ends = run.codes(rule.stops), run.codes(rule.ends)
    halting = np.flatnonzero(np.isin(events[:, 1], stops + ends))
    at = np.searchsorted(halting, first, side="right")
    found = at < halting.size
    found[found] = run.ticket_row[halting[at[found]]] == rows[found]
    stop_row = halting[np.minimum(at, max(halting.size - 1, 0))] if halting.size else at
    stop = np.where(found, events[stop_row, 2] if halting.size else NONE, NONE)
    clocks.add(
        _pauses(run, first, rows, stop) if rule.pausable else None,
        row=rows,
        metric=np.full(rows.size, m),
        target=term[0][rows],
        calendar=term[1][rows],
        zone=term[2][rows],
        start=events[first, 2],
        stop=stop,
        unrequired=_ended_by_end(run, rows, stop, found, stops, ends),
    )


def _ended_by_end(
    run: _Pass, rows: Array, stop: Array, found: Array, stops: list[int], ends: list[int]
) -> Array:
    """``tickets.clocks.ended_unrequired``: at the stop instant an end stage happened and
    no stop stage did."""
    if not ends:
        return np.zeros(rows.size, dtype=bool)
    events = run.events
    key = events[:, 0] * _KEY + events[:, 2]
    end_keys = key[np.isin(events[:, 1], ends)]
    stop_keys = key[np.isin(events[:, 1], stops)]
    wanted = np.where(found, run.tickets.pk[rows] * _KEY + stop, -1)
    return np.asarray(found & np.isin(wanted, end_keys) & ~np.isin(wanted, stop_keys))


_KEY = 10**11  # ticket * _KEY + epoch: a unique (ticket, instant) key up to the year 5138


def _pauses(run: _Pass, first: Array, rows: Array, stop: Array) -> dict[int, list[tuple[int, int]]]:
    """The waits of each clock: (pause, next resume) after its start, cut at its stop (an
    open wait runs to the stop, or to the cut-off, which ``_measure`` applies). A wait that
    began before the clock started is ignored, as the engine ignores it."""
    events = run.events
    marks = np.flatnonzero(events[:, 1] == run.code(EventKind.PAUSED))
    if marks.size == 0:
        return {}
    resumes = np.flatnonzero(events[:, 1] == run.code(EventKind.RESUMED))
    at = np.searchsorted(resumes, marks, side="right")
    ok = at < resumes.size
    ok[ok] = run.ticket_row[resumes[at[ok]]] == run.ticket_row[marks[ok]]
    nxt = np.where(ok, resumes[np.minimum(at, max(resumes.size - 1, 0))] if resumes.size else 0, -1)
    position = np.full(run.tickets.pk.size, -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    clock = position[run.ticket_row[marks]]
    keep = clock >= 0
    keep[keep] = marks[keep] > first[clock[keep]]
    top = np.iinfo(np.int64).max
    a = events[marks, 2]
    b = np.where(nxt >= 0, events[np.maximum(nxt, 0), 2], top)
    b = np.minimum(b, np.where(stop == NONE, top, stop)[np.maximum(clock, 0)])
    keep &= a < b
    out: dict[int, list[tuple[int, int]]] = {}
    for k, x, y in zip(clock[keep].tolist(), a[keep].tolist(), b[keep].tolist(), strict=True):
        out.setdefault(k, []).append((x, y))
    return out


def _hard(
    clocks: _Clocks,
    run: _Pass,
    m: int,
    rule: MetricDef,
    rows: Array,
    term: tuple[Array, Array, Array],
) -> None:
    """Clocks of reopened or irregularly paused tickets: the engine's replay, one by one
    (``clockdata._replay_rows``)."""
    if rows.size == 0:
        return
    found: list[tuple[int, int, int, bool]] = []
    pauses: dict[int, list[tuple[int, int]]] = {}
    for r in rows.tolist():
        # Events are in ticket order: the ticket's are one slice.
        lo, hi = np.searchsorted(run.ticket_row, [r, r + 1])
        mine = run.events[lo:hi]
        # ``clock_events`` only passes ``at`` through: epoch seconds stand in for it.
        facts = [
            EventFact(at=cast(datetime, at), kind=run.kinds[k]) for _, k, at, _ in mine.tolist()
        ]
        timed = [(cast(int, e.at), str(e.kind)) for e in clock_events(rule, facts)]
        history = replay(timed, run.cut)
        if history is None:
            continue
        end = run.cut if history.stopped is None else history.stopped
        idle = [(a, min(b, end)) for a, b in history.idle_until(end) if a < end]
        if idle:
            pauses[len(found)] = idle
        stopped = history.stopped
        unrequired = stopped is not None and ended_unrequired(rule, facts, cast(datetime, stopped))
        found.append((r, history.started, NONE if stopped is None else stopped, unrequired))
    if not found:
        return
    picked = np.array([f[0] for f in found], dtype=np.int64)
    clocks.add(
        pauses,
        row=picked,
        metric=np.full(picked.size, m),
        target=term[0][picked],
        calendar=term[1][picked],
        zone=term[2][picked],
        start=np.array([f[1] for f in found], dtype=np.int64),
        stop=np.array([f[2] for f in found], dtype=np.int64),
        unrequired=np.array([f[3] for f in found], dtype=bool),
    )


def _measure(clocks: _Clocks, run: _Pass, metrics: tuple[str, ...], zones: list[str]) -> ClockSet:
    """Business time of every clock in one engine call over all calendars; breach instants
    in one more; "not required" clocks dropped; a ``ClockSet`` like ``load_clocks`` gives."""
    cut = run.cut
    if clocks.count == 0:
        return replace(empty_clocks(cut), metrics=metrics)
    col = {name: np.concatenate(getattr(clocks, name)) for name in _COLUMNS}
    n = clocks.count
    idle = pause_set(n, clocks.pauses)
    stop, start = col["stop"], col["start"]
    end = np.where(stop == NONE, cut, stop)
    # Open waits of simple tickets were left open-ended: cut them at the clock's end.
    row_of = np.repeat(np.arange(n), np.diff(idle.offsets))
    idle = PauseSet(idle.offsets, idle.start, np.minimum(idle.end, end[row_of]))
    width = len(zones) + 1
    keys, inverse = np.unique(col["calendar"] * width + col["zone"], return_inverse=True)
    uses = calendar_uses(
        [(int(k) // width, zones[int(k) % width]) for k in keys.tolist()], int(start.min()), cut
    )
    compiled = [u.compiled for u in uses]
    index = inverse.reshape(-1).astype(np.intp)
    elapsed = business_seconds_many_mixed(compiled, index, start, end, idle)
    target = col["target"]
    breached = elapsed > target
    deadline = np.full(n, NONE, dtype=np.int64)
    hit = np.flatnonzero(breached)
    if hit.size:
        deadline[hit] = deadline_many_mixed(
            compiled, index[hit], start[hit], target[hit], take_pauses(idle, hit)
        )
    # Settled like ``tickets.refresh.settle``: ended unrequired before the deadline.
    kept = np.flatnonzero(~(col["unrequired"] & ~breached & (stop != NONE)))
    rows = col["row"]
    tickets = run.tickets
    full = ClockSet(
        cutoff=cut,
        clock_id=-1 - np.arange(n, dtype=np.int64),  # not stored clocks
        ticket_id=tickets.pk[rows],
        contract_id=tickets.contract[rows],
        version_id=tickets.version[rows],
        metric=col["metric"],
        priority=tickets.priority[rows],
        target=target,
        start=start,
        stop=stop,
        end=end,
        elapsed=elapsed,
        breached=breached,
        deadline=deadline,
        decided_at=np.where(breached, deadline, stop),
        calendar_index=index,
        calendars=uses,
        pauses=idle,
        metrics=metrics,
        category=tickets.category[rows],
    )
    return full.take(kept)


_COLUMNS = ("row", "metric", "target", "calendar", "zone", "start", "stop", "unrequired")
