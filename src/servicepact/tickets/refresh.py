"""Re-derive a ticket's SLA clocks from its events with the engine, and store the snapshot.

Called after every ticket change, by the worker for due clocks, and when a calendar, a
priority or the contract terms change. Deterministic: the same events, terms, calendars and
``now`` give the same clocks. A move of a deadline for a reason that is not itself a ticket
event (priority, calendar edit, amended terms) leaves a ``deadline_moved`` event saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from servicepact.assets.coverage import warranty_terms
from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.metrics import MetricDef, load_metrics, ordered
from servicepact.contracts.models import Calendar
from servicepact.contracts.terms import (
    TargetTerm,
    Terms,
    default_terms,
    terms_for_version,
)
from servicepact.core.bulk import insert_instances, update_rows
from servicepact.core.time import local_date
from servicepact.slaclock import ClockResult, CompiledCalendar, evaluate_clock, evaluate_clocks
from servicepact.slaclock import ClockState as EngineState
from servicepact.tickets import events
from servicepact.tickets.choices import OPEN_STATUSES, stored_clock_state
from servicepact.tickets.clocks import (
    DEFAULT_THRESHOLDS,
    EventFact,
    clock_events,
    ended_unrequired,
)
from servicepact.tickets.models import SlaClock, Ticket, TicketEvent
from servicepact.tickets.sla_state import (
    AT_RISK_FRACTION,
    SlaState,
    clock_tone,
    state_of,
    used_fraction,
)
from servicepact.tickets.system_notes import (
    CALENDAR_CHANGED,
    NO_TARGET,
    TARGET_CHANGED,
    Reason,
    SystemNote,
)


def ticket_terms(ticket: Ticket) -> Terms:
    """The contract version's terms; for a warranty-covered ticket (no contract) its tier's
    plan terms, the on-site target as decided at opening (``coverage_facts["on_site"]``)."""
    if ticket.coverage == CoverageStatus.WARRANTY and ticket.warranty is not None:
        return warranty_terms(ticket.warranty, on_site=bool(ticket.coverage_facts.get("on_site")))
    if ticket.contract_version_id is None or ticket.coverage == CoverageStatus.OUT_OF_CONTRACT:
        return default_terms()
    return terms_for_version(ticket.contract_version)  # type: ignore[arg-type]


def terms_key(ticket: Ticket) -> tuple[str, int | None, bool]:
    """What a ticket's terms depend on, for a caller's cache of ``ticket_terms``."""
    if ticket.coverage == CoverageStatus.WARRANTY and ticket.warranty_id is not None:
        return ("warranty", ticket.warranty_id, bool(ticket.coverage_facts.get("on_site")))
    covered = ticket.coverage != CoverageStatus.OUT_OF_CONTRACT
    return ("version", ticket.contract_version_id if covered else None, False)


def thresholds_for(ticket: Ticket) -> tuple[int, ...]:
    """Escalation thresholds in percent of the target, ascending, ending with 100.

    The contract's own escalation policy, else its plan's, else DEFAULT_THRESHOLDS.
    """
    from servicepact.contracts.escalation import steps_for_contract

    if ticket.contract_id is None:
        return DEFAULT_THRESHOLDS
    return tuple(step.percent for step in steps_for_contract(ticket.contract_id))


def event_facts(ticket: Ticket) -> list[EventFact]:
    return facts_by_ticket([ticket.pk])[ticket.pk]


def clock_calendar(
    ticket: Ticket, term: TargetTerm, calendars: dict[int, Calendar], until: date
) -> CompiledCalendar:
    calendar = calendars.get(term.calendar_id)
    if calendar is None:
        calendar = calendars[term.calendar_id] = Calendar.objects.get(pk=term.calendar_id)
    zone = ticket.timezone if term.measure_in_site_timezone else calendar.timezone
    first = local_date(ticket.opened_at, zone)
    return compiled_calendar(calendar, timezone=zone, first=first, last=max(first, until))


def evaluate_metric(
    ticket: Ticket,
    term: TargetTerm,
    facts: list[EventFact],
    now: datetime,
    calendars: dict[int, Calendar],
    definition: MetricDef | None = None,
) -> tuple[ClockResult, Calendar, str]:
    rule: str | MetricDef = definition or term.metric
    compiled = clock_calendar(ticket, term, calendars, now.date())
    result = evaluate_clock(compiled, term.target_seconds, clock_events(rule, facts), now)
    return settle(rule, result, facts), calendars[term.calendar_id], compiled.timezone


def started(definition: MetricDef, facts: list[EventFact]) -> bool:
    """Whether the metric's start stage has happened (a clock exists only from then on)."""
    return any(f.kind == definition.start for f in facts)


def settle(metric: str | MetricDef, result: ClockResult, facts: list[EventFact]) -> ClockResult:
    """The engine's result, except that a clock which ended before its deadline because its
    stop can no longer happen (``tickets.clocks.ended_unrequired``) is "not required": not
    met, not breached, no escalation, out of compliance. One that had already breached when
    it ended stays breached."""
    if result.state == EngineState.MET and ended_unrequired(metric, facts, result.stopped_at):
        return replace(result, state=EngineState.NOT_REQUIRED)
    return result


@dataclass(frozen=True)
class LiveClock:
    """A stored clock re-evaluated at some instant (read-only).

    ``result`` is None when the ticket's current priority has no target for the metric: the
    next refresh removes that clock, and until then its snapshot is all there is.
    """

    clock: SlaClock
    term: TargetTerm | None
    result: ClockResult | None
    calendar: Calendar
    timezone: str
    definition: MetricDef | None = None


def evaluate_live(ticket: Ticket, now: datetime) -> list[LiveClock]:
    """Every stored clock of the ticket evaluated at ``now`` from its events, in metric order.

    The same inputs as ``refresh_clocks`` but nothing is written: pages and the API show
    current elapsed/remaining values without waiting for the worker.
    """
    stored = {
        c.metric: c for c in SlaClock.objects.filter(ticket=ticket).select_related("calendar")
    }
    if not stored:
        return []
    terms = ticket_terms(ticket)
    facts = event_facts(ticket)
    metrics = load_metrics()
    calendars: dict[int, Calendar] = {}
    out: list[LiveClock] = []
    for metric in ordered(stored, metrics):
        clock = stored[metric]
        definition = metrics.get(metric)
        term = terms.target(ticket.priority, metric, ticket.category)
        if term is None or definition is None:
            out.append(LiveClock(clock, None, None, clock.calendar, clock.timezone, definition))
            continue
        result, calendar, zone = evaluate_metric(ticket, term, facts, now, calendars, definition)
        out.append(LiveClock(clock, term, result, calendar, zone, definition))
    return out


def threshold_due_at(result: ClockResult, percent: int) -> datetime | None:
    """When the ``percent`` step falls due. 100 % is the breach, one business second past the
    deadline (a clock stopped exactly on its target is met); for a deadline at a closing time
    that is just after the next opening, so the worker is not woken while nothing can change."""
    if percent >= 100:
        return result.instant_at_elapsed(result.target_seconds + 1)
    return result.instant_at_fraction(percent / 100)


def next_check(
    result: ClockResult, last_threshold: int, thresholds: tuple[int, ...]
) -> datetime | None:
    """The next instant a threshold (100 % = the breach) falls due; None if none can."""
    if result.stopped_at is not None or result.deadline is None:
        return None
    instants = [threshold_due_at(result, p) for p in thresholds if p > last_threshold]
    found = [i for i in instants if i is not None]
    return min(found) if found else None


def _fill(
    ticket: Ticket,
    clock: SlaClock | None,
    term: TargetTerm,
    result: ClockResult,
    calendar: Calendar,
    zone: str,
    now: datetime,
    thresholds: tuple[int, ...],
) -> SlaClock:
    """The clock (a new one when None) with the engine's result; not saved."""
    if clock is None:
        clock = SlaClock(ticket=ticket, metric=term.metric)
    clock.priority = ticket.priority
    clock.target_seconds = term.target_seconds
    clock.target_source = term.source[:120]
    clock.calendar = calendar
    clock.calendar_revision = calendar.revision
    clock.timezone = zone
    clock.state = stored_clock_state(result.state)
    clock.started_at = result.started_at or ticket.opened_at
    clock.stopped_at = result.stopped_at
    clock.deadline_at = result.deadline
    # The engine reports when elapsed reached the target; only a breached clock was breached.
    clock.breached_at = result.breached_at if result.state == EngineState.BREACHED else None
    clock.elapsed_seconds = result.elapsed_seconds
    clock.remaining_seconds = result.remaining_seconds
    clock.breached_by_seconds = result.breached_by_seconds
    clock.evaluated_at = now
    clock.next_check_at = next_check(result, clock.last_threshold, thresholds)
    return clock


# What a refresh writes of an existing clock (``_fill`` and ``_record_breach``).
STORED_FIELDS = (
    "priority",
    "target_seconds",
    "target_source",
    "calendar",
    "calendar_revision",
    "timezone",
    "state",
    "started_at",
    "stopped_at",
    "deadline_at",
    "breached_at",
    "elapsed_seconds",
    "remaining_seconds",
    "breached_by_seconds",
    "evaluated_at",
    "next_check_at",
    "breach_recorded",
)


def _move_reason(
    clock: SlaClock, term: TargetTerm, calendar: Calendar, reason: Reason | None
) -> Reason | None:
    if reason:
        return reason
    if clock.calendar_id == calendar.pk and clock.calendar_revision != calendar.revision:
        return SystemNote(
            CALENDAR_CHANGED,
            {
                "calendar": calendar.name,
                "before": clock.calendar_revision,
                "after": calendar.revision,
            },
        )
    if clock.target_seconds != term.target_seconds:
        return SystemNote(
            TARGET_CHANGED,
            {
                "before": clock.target_seconds // 60,
                "after": term.target_seconds // 60,
                "source": term.source,
            },
        )
    return None


def refresh_clocks(
    ticket: Ticket, *, now: datetime, reason: Reason | None = None
) -> list[SlaClock]:
    """Re-derives every clock of the ticket; records breaches and explained deadline moves."""
    return [clock for clock, _ in refresh_clock_results(ticket, now=now, reason=reason)]


def refresh_clock_results(
    ticket: Ticket,
    *,
    now: datetime,
    reason: Reason | None = None,
    thresholds: tuple[int, ...] | None = None,
    terms: Terms | None = None,
) -> list[tuple[SlaClock, ClockResult]]:
    """``refresh_clocks`` that also hands back each clock's engine result (the worker walks
    the thresholds with it instead of evaluating again); ``thresholds`` and ``terms`` may
    come from a caller's cache."""
    refreshed = refresh_many(
        [ticket],
        now=now,
        reason=reason,
        thresholds=lambda t: thresholds or thresholds_for(t),
        terms=lambda t: terms or ticket_terms(t),
    )
    return refreshed[ticket.pk]


def facts_by_ticket(ticket_ids: list[int]) -> dict[int, list[EventFact]]:
    """``event_facts`` of many tickets with one query."""
    facts: dict[int, list[EventFact]] = {pk: [] for pk in ticket_ids}
    rows = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "at", "kind", "data")
    )
    for ticket_id, at, kind, data in rows:
        facts[ticket_id].append(EventFact(at=at, kind=kind, reason=(data or {}).get("reason", "")))
    return facts


@dataclass
class _Plan:
    """One metric of one ticket in a refresh: its term (None: the clock goes) and calendar."""

    ticket: Ticket
    metric: str
    term: TargetTerm | None
    clock: SlaClock | None
    definition: MetricDef | None = None
    compiled: CompiledCalendar | None = None
    result: ClockResult | None = None


def refresh_many(
    tickets: list[Ticket],
    *,
    now: datetime,
    reason: Reason | None = None,
    thresholds: Callable[[Ticket], tuple[int, ...]] = thresholds_for,
    terms: Callable[[Ticket], Terms] = ticket_terms,
    calendars: dict[int, Calendar] | None = None,
) -> dict[int, list[tuple[SlaClock, ClockResult]]]:
    """``refresh_clock_results`` for many tickets (ticket id -> clocks and results).

    One query reads the events of all of them and one their clocks; the engine evaluates the
    clocks of each compiled calendar with one call (``evaluate_clocks``); the clocks are
    written with one UPDATE per row in one ``executemany`` (new ones inserted, those without
    a target deleted), the events with one INSERT (``events.EventBatch``) and the queue
    columns like ``store_queue_columns``. The same rows as refreshing one ticket at a time.
    ``calendars`` may be a caller's cache of ``Calendar`` rows by id.
    """
    ids = [t.pk for t in tickets]
    facts = facts_by_ticket(ids)
    existing: dict[int, dict[str, SlaClock]] = {pk: {} for pk in ids}
    for stored in SlaClock.objects.filter(ticket_id__in=ids):
        existing[stored.ticket_id][stored.metric] = stored
    calendars = {} if calendars is None else calendars
    metrics = load_metrics()
    plans: list[_Plan] = []
    for ticket in tickets:
        ticket_terms_ = terms(ticket)
        # Every defined metric, then any stored clock of a metric no longer defined (it goes).
        for metric in [*metrics, *(m for m in existing[ticket.pk] if m not in metrics)]:
            definition = metrics.get(metric)
            applies = (
                definition is not None
                and definition.applies(ticket.category, ticket.kind)
                and started(definition, facts[ticket.pk])
            )
            term = (
                ticket_terms_.target(ticket.priority, metric, ticket.category) if applies else None
            )
            plan = _Plan(ticket, metric, term, existing[ticket.pk].get(metric), definition)
            if term is not None:
                plan.compiled = clock_calendar(ticket, term, calendars, now.date())
            if term is not None or plan.clock is not None:
                plans.append(plan)
    _evaluate(plans, facts, now)
    return _store_many(tickets, plans, facts, now, reason, thresholds, calendars)


def _evaluate(plans: list[_Plan], facts: dict[int, list[EventFact]], now: datetime) -> None:
    """The engine's results of the plans with a term: one call per compiled calendar."""
    groups: dict[int, list[_Plan]] = {}
    for plan in plans:
        if plan.compiled is not None:
            groups.setdefault(id(plan.compiled), []).append(plan)
    for group in groups.values():
        compiled = group[0].compiled
        assert compiled is not None
        items = [
            (p.term.target_seconds, clock_events(p.definition, facts[p.ticket.pk]))  # type: ignore[union-attr,arg-type]
            for p in group
        ]
        for plan, result in zip(group, evaluate_clocks(compiled, items, now), strict=True):
            plan.result = settle(plan.definition, result, facts[plan.ticket.pk])  # type: ignore[arg-type]


def _store_many(
    tickets: list[Ticket],
    plans: list[_Plan],
    facts: dict[int, list[EventFact]],
    now: datetime,
    reason: Reason | None,
    thresholds: Callable[[Ticket], tuple[int, ...]],
    calendars: dict[int, Calendar],
) -> dict[int, list[tuple[SlaClock, ClockResult]]]:
    log = events.EventBatch()
    gone: list[int] = []
    created: list[SlaClock] = []
    updated: list[SlaClock] = []
    out: dict[int, list[tuple[SlaClock, ClockResult]]] = {t.pk: [] for t in tickets}
    steps: dict[int, tuple[int, ...]] = {}
    for plan in plans:
        ticket, clock, term, result = plan.ticket, plan.clock, plan.term, plan.result
        if term is None or result is None or plan.compiled is None:
            assert clock is not None
            log.append(
                ticket,
                events.deadline_moved(
                    metric=plan.metric,
                    before=clock.deadline_at,
                    after=None,
                    reason=reason or SystemNote(NO_TARGET),
                ),
                at=now,
                recorded_at=now,
            )
            gone.append(clock.pk)
            continue
        calendar = calendars[term.calendar_id]
        if clock is not None:
            why = _move_reason(clock, term, calendar, reason)
            if why and clock.deadline_at != result.deadline:
                log.append(
                    ticket,
                    events.deadline_moved(
                        metric=plan.metric,
                        before=clock.deadline_at,
                        after=result.deadline,
                        reason=why,
                    ),
                    at=now,
                    recorded_at=now,
                )
        if ticket.pk not in steps:
            steps[ticket.pk] = thresholds(ticket)
        fresh = clock is None
        clock = _fill(
            ticket, clock, term, result, calendar, plan.compiled.timezone, now, steps[ticket.pk]
        )
        _record_breach(log, ticket, clock, result, now)
        (created if fresh else updated).append(clock)
        out[ticket.pk].append((clock, result))
    if gone:
        SlaClock.objects.filter(pk__in=gone).delete()
    insert_instances(created)
    update_rows(updated, STORED_FIELDS)
    log.write()
    store_queue_columns_many([(t, [result for _, result in out[t.pk]]) for t in tickets], now=now)
    return out


# ---------------------------------------------------------------- the queue's stored columns


@dataclass(frozen=True)
class QueueColumns:
    """What the desk queue sorts and counts by, derived from the clocks' engine results."""

    next_deadline_at: datetime | None
    sla_state: str
    at_risk_from: datetime | None
    breach_from: datetime | None


def _tone(result: ClockResult) -> str | None:
    fraction = used_fraction(
        result.elapsed_seconds, result.target_seconds, result.started_at is not None
    )
    return clock_tone(str(result.state), fraction)


def queue_columns(results: list[ClockResult], now: datetime) -> QueueColumns:
    """The ticket's queue columns from its clocks' results at ``now`` (pure)."""
    running = [r for r in results if r.stopped_at is None and r.deadline is not None]
    tones = [_tone(r) for r in results]
    return QueueColumns(
        next_deadline_at=min((r.deadline for r in running), default=None),  # type: ignore[type-var]
        sla_state=state_of(tones) if results else SlaState.NO_SLA,
        at_risk_from=_earliest(r.instant_at_fraction(AT_RISK_FRACTION) for r in running),
        breach_from=_earliest(threshold_due_at(r, 100) for r in running),
    )


def _earliest(instants: Any) -> datetime | None:
    found = [i for i in instants if i is not None]
    return min(found) if found else None


QUEUE_FIELDS = ("next_deadline_at", "sla_state", "at_risk_from", "breach_from")


def store_queue_columns(ticket: Ticket, results: list[ClockResult], *, now: datetime) -> None:
    """Stores the queue columns on the ticket (the row and the instance)."""
    store_queue_columns_many([(ticket, results)], now=now)


def store_queue_columns_many(
    tickets: list[tuple[Ticket, list[ClockResult]]], *, now: datetime
) -> None:
    """``store_queue_columns`` of many tickets: one UPDATE per row in one ``executemany``."""
    for ticket, results in tickets:
        columns = queue_columns(results, now)
        ticket.next_deadline_at = columns.next_deadline_at
        ticket.sla_state = columns.sla_state
        ticket.at_risk_from = columns.at_risk_from
        ticket.breach_from = columns.breach_from
    update_rows([ticket for ticket, _ in tickets], QUEUE_FIELDS)


def backfill_queue_columns(*, now: datetime, batch: int = 500) -> int:
    """Fills the queue columns of every open ticket from a read-only evaluation of its clocks
    (the data migration; also safe to run again). Returns the number of tickets written."""
    done = 0
    ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, clocks__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        tickets = Ticket.objects.filter(pk__in=ids[start : start + batch]).select_related(
            "contract_version"
        )
        for ticket in tickets:
            results = [live.result for live in evaluate_live(ticket, now) if live.result]
            store_queue_columns(ticket, results, now=now)
            done += 1
    return done


def _record_breach(
    log: events.EventBatch, ticket: Ticket, clock: SlaClock, result: ClockResult, now: datetime
) -> None:
    """The breach event once the clock is breached (or its withdrawal); the clock's
    ``breach_recorded`` is set on the instance and written with the clock."""
    breached = (
        result.state == EngineState.BREACHED
        and result.breached_at is not None
        and result.breached_at <= now
    )
    if breached and not clock.breach_recorded:
        log.append(
            ticket,
            events.breached(
                metric=clock.metric,
                deadline=result.breached_at,
                target_seconds=clock.target_seconds,
            ),
            at=result.breached_at,
            recorded_at=now,
        )
        clock.breach_recorded = True
    elif not breached and clock.breach_recorded:
        # A retroactive event (e.g. an on-site arrival recorded late) proved the promise kept.
        log.append(ticket, events.breach_withdrawn(metric=clock.metric), at=now, recorded_at=now)
        clock.breach_recorded = False
