"""Ticket events -> engine clock events, per metric. Pure functions; no database access.

Which ticket events start, pause, resume and stop each metric's clock (docs/sla-clock.md,
"Ticket clocks"):

| metric          | start             | pause / resume               | stop                      |
|-----------------|-------------------|------------------------------|---------------------------|
| first response  | opened            | –                            | acknowledged              |
| on-site arrival | opened            | –                            | onsite_arrived (*)        |
| restore         | opened            | waiting on customer / resumed| restored or resolved      |
| resolution      | opened, reopened  | waiting on customer / resumed| resolved                  |

The on-site arrival clock applies only to hardware tickets: a network or software fault
fixed remotely never needed an engineer on site, so it cannot breach that promise.

(*) A clock whose stop event can no longer happen ends there: a ticket resolved or closed
before anyone arrived on site needs no visit. Its on-site clock stops at the resolution and
is "not required" (``ended_unrequired``), unless its deadline had already passed while the
ticket was open: that breach happened and stays one. A reopening continues it where it
ended (a visit may be needed after all), unless the engineer had already arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from servicepact.contracts.choices import Metric
from servicepact.slaclock import ClockEvent, ClockEventKind
from servicepact.tickets.choices import EventKind

DEFAULT_THRESHOLDS: tuple[int, ...] = (50, 75, 90, 100)

_STOPS: dict[str, frozenset[str]] = {
    Metric.FIRST_RESPONSE: frozenset({EventKind.ACKNOWLEDGED}),
    Metric.ON_SITE: frozenset({EventKind.ONSITE_ARRIVED}),
    Metric.RESTORE: frozenset({EventKind.RESTORED, EventKind.RESOLVED}),
    Metric.RESOLUTION: frozenset({EventKind.RESOLVED}),
}
# Events after which a metric's own stop can no longer happen: they end the clock, and a
# clock so ended before its deadline is "not required" (never met, never breached).
_ENDS: dict[str, frozenset[str]] = {
    Metric.ON_SITE: frozenset({EventKind.RESOLVED, EventKind.CLOSED}),
}
_PAUSABLE = frozenset({Metric.RESTORE, Metric.RESOLUTION})
_RESTARTABLE = frozenset({Metric.RESOLUTION})

# For bulk readers (statements): the metrics a pause applies to, and every ticket event kind
# that can start, pause, resume or stop some clock. Derived from the rules above.
PAUSABLE_METRICS: frozenset[str] = frozenset(str(m) for m in _PAUSABLE)
CLOCK_EVENT_KINDS: tuple[str, ...] = (
    EventKind.OPENED,
    *sorted({k for stops in (*_STOPS.values(), *_ENDS.values()) for k in stops}),
    EventKind.REOPENED,
    EventKind.PAUSED,
    EventKind.RESUMED,
)


@dataclass(frozen=True)
class EventFact:
    """The part of a ticket event the clocks need (so this module needs no ORM rows)."""

    at: datetime
    kind: str
    reason: str = ""


ONSITE_CATEGORIES = frozenset({"hardware"})


def metric_applies(metric: str, category: str) -> bool:
    return metric != Metric.ON_SITE or category in ONSITE_CATEGORIES


def clock_events(metric: str, events: Iterable[EventFact]) -> list[ClockEvent]:
    out: list[ClockEvent] = []
    ends = _ENDS.get(metric, frozenset())
    stopped_for_real = False  # an ended clock continues on reopening, an arrived one not
    for e in events:
        if e.kind == EventKind.OPENED:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.START))
        elif e.kind in _STOPS[metric]:
            stopped_for_real = True
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.STOP))
        elif e.kind in ends:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.STOP))
        elif e.kind == EventKind.REOPENED and (
            metric in _RESTARTABLE or (ends and not stopped_for_real)
        ):
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.START, reason=e.reason))
        elif e.kind == EventKind.PAUSED and metric in _PAUSABLE:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.PAUSE, reason=e.reason))
        elif e.kind == EventKind.RESUMED and metric in _PAUSABLE:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.RESUME))
    return out


def ended_unrequired(metric: str, facts: Iterable[EventFact], stopped_at: datetime | None) -> bool:
    """Did the clock stop at ``stopped_at`` because its own stop can no longer happen (an
    ending event such as the resolution), rather than by its stop event (the arrival)?"""
    ends = _ENDS.get(metric)
    if not ends or stopped_at is None:
        return False
    kinds = {e.kind for e in facts if e.at == stopped_at}
    return bool(kinds & ends) and not kinds & _STOPS[metric]
