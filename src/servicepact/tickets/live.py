"""A clock as of now — the one model the desk, the portal and the API show — and the
ticket's SLA state (``SlaState``, the at-risk threshold).

Stored ``SlaClock`` rows are snapshots taken when the ticket last changed (or the worker last
looked). Two ways to bring them up to now, both read-only:

- ``clocks_for_ticket`` (ticket pages, API detail): re-evaluates every clock from the ticket's
  events with the engine (``tickets.refresh.evaluate_live``) — exact, and gives the pauses. A
  clock whose target the current priority no longer has (the next refresh removes it) is its
  snapshot advanced, with ``current`` False.
- ``advance_snapshot`` (queue): a running clock accrues only business time between its snapshot
  and now (any pause or stop would have been an event, and a new snapshot), so adding
  ``business_seconds(evaluated_at, now)`` on its cached calendar is exact and costs no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.metrics import MetricDef
from servicepact.contracts.models import Calendar
from servicepact.core.time import local_date
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.refresh import evaluate_live
from servicepact.tickets.sla_state import SlaState, clock_tone, state_of, used_fraction


@dataclass(frozen=True)
class LiveClock:
    """One clock as of some instant, as every page and the API show it."""

    metric: str
    state: str  # ClockState value (running, paused, met, breached) as of now
    target_seconds: int
    elapsed_seconds: int
    started_at: datetime | None
    stopped_at: datetime | None
    deadline_at: datetime | None  # None while paused
    breached_at: datetime | None
    calendar_name: str
    timezone: str
    source: str
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    priority: int = 0  # the priority the target belongs to
    calendar_id: int | None = None
    next_check_at: datetime | None = None  # the worker's schedule (staff only)
    current: bool = True  # False: a snapshot of a metric the priority no longer measures
    definition: MetricDef | None = None  # what the metric measures (None: no longer defined)

    @property
    def label(self) -> str:
        return self.definition.label if self.definition is not None else self.metric

    @property
    def fraction(self) -> float:
        return used_fraction(self.elapsed_seconds, self.target_seconds, bool(self.started_at))

    @property
    def remaining_seconds(self) -> int:
        return max(0, self.target_seconds - self.elapsed_seconds)

    @property
    def breached_by_seconds(self) -> int:
        return max(0, self.elapsed_seconds - self.target_seconds)

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.state in (ClockState.RUNNING, ClockState.BREACHED)

    @property
    def tone(self) -> str:
        """The SlaState colour of this one clock (its own for a clock not required)."""
        return clock_tone(self.state, self.fraction) or SlaState.MET

    @property
    def tone_label(self) -> str:
        return str(SlaState(self.tone).label)


def _state(elapsed: int, target: int, stopped: bool, paused: bool) -> str:
    # The engine's rule: breached means business time beyond the target.
    if elapsed > target:
        return ClockState.BREACHED
    if stopped:
        return ClockState.MET
    return ClockState.PAUSED if paused else ClockState.RUNNING


def advance_snapshot(
    clock: SlaClock, ticket: Ticket, now: datetime, definition: MetricDef | None = None
) -> LiveClock:
    """The stored clock advanced to ``now`` (``clock.calendar`` should be select_related)."""
    elapsed = clock.elapsed_seconds
    if snapshot_runs(clock) and now > clock.evaluated_at:
        first = local_date(ticket.opened_at, clock.timezone)
        compiled = compiled_calendar(
            clock.calendar,
            timezone=clock.timezone,
            first=first,
            last=max(first, local_date(now, clock.timezone)),
        )
        elapsed += compiled.business_seconds(clock.evaluated_at, now)
    return snapshot_at(clock, elapsed, definition)


class StoredClock(Protocol):
    """What a snapshot is read from: a ``SlaClock`` row, or the desk queue's plain copy of its
    columns (``desk.queue.ClockRow``, no model instance)."""

    @property
    def metric(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def target_seconds(self) -> int: ...

    @property
    def started_at(self) -> datetime | None: ...

    @property
    def stopped_at(self) -> datetime | None: ...

    @property
    def deadline_at(self) -> datetime | None: ...

    @property
    def breached_at(self) -> datetime | None: ...

    @property
    def timezone(self) -> str: ...

    @property
    def target_source(self) -> str: ...

    @property
    def priority(self) -> int: ...

    @property
    def calendar_id(self) -> int: ...

    @property
    def next_check_at(self) -> datetime | None: ...

    @property
    def calendar(self) -> Calendar: ...


def snapshot_runs(clock: StoredClock) -> bool:
    """A stored clock that accrues business time until its next snapshot."""
    return clock.stopped_at is None and clock.deadline_at is not None


def snapshot_at(clock: StoredClock, elapsed: int, definition: MetricDef | None = None) -> LiveClock:
    """The stored clock with ``elapsed`` business seconds (its snapshot's plus those accrued
    since ``evaluated_at``; ``desk.queue`` computes them for a whole page at once)."""
    running = snapshot_runs(clock)
    return LiveClock(
        metric=clock.metric,
        state=ClockState.NOT_REQUIRED
        if clock.state
        == ClockState.NOT_REQUIRED  # ended, nothing moves it (tickets.refresh.settle)
        else _state(
            elapsed,
            clock.target_seconds,
            stopped=clock.stopped_at is not None,
            paused=not running and clock.stopped_at is None,
        ),
        target_seconds=clock.target_seconds,
        elapsed_seconds=elapsed,
        started_at=clock.started_at,
        stopped_at=clock.stopped_at,
        deadline_at=clock.deadline_at,
        breached_at=clock.breached_at,
        calendar_name=clock.calendar.name,
        timezone=clock.timezone,
        source=clock.target_source,
        priority=clock.priority,
        calendar_id=clock.calendar_id,
        next_check_at=clock.next_check_at,
        definition=definition,
    )


def clocks_for_ticket(ticket: Ticket, now: datetime) -> list[LiveClock]:
    """Every clock of one ticket, re-evaluated from its events under its terms (read-only)."""
    result: list[LiveClock] = []
    for live in evaluate_live(ticket, now):
        if live.result is None or live.term is None:
            snapshot = advance_snapshot(live.clock, ticket, now, live.definition)
            result.append(replace(snapshot, current=False))
            continue
        res = live.result
        result.append(
            LiveClock(
                metric=live.clock.metric,
                state=str(res.state),
                target_seconds=live.term.target_seconds,
                elapsed_seconds=res.elapsed_seconds,
                started_at=res.started_at,
                stopped_at=res.stopped_at,
                deadline_at=res.deadline,
                breached_at=res.breached_at,
                calendar_name=live.calendar.name,
                timezone=live.timezone,
                source=live.term.source,
                pauses=res.pauses,
                priority=ticket.priority,
                calendar_id=live.calendar.pk,
                next_check_at=live.clock.next_check_at,
                definition=live.definition,
            )
        )
    return result


def ticket_state(clocks: Iterable[LiveClock]) -> str:
    """The ticket's colour: breached > at risk > on track > paused > met > no SLA.

    Breached means a promise on this ticket is broken (a clock beyond its target, running or
    not); at risk means a running clock has used 75 % or more of its target; paused means no
    clock runs but one waits (a ticket waiting on the customer whose on-site clock still runs
    is on track or at risk, not paused).
    """
    clocks = list(clocks)
    return state_of(c.tone for c in clocks) if clocks else SlaState.NO_SLA


def next_clock(clocks: Iterable[LiveClock]) -> LiveClock | None:
    """The running clock whose deadline comes first (the one the queue sorts by)."""
    running = [c for c in clocks if c.is_running and c.deadline_at is not None]
    return min(running, key=lambda c: c.deadline_at) if running else None  # type: ignore[arg-type,return-value]
