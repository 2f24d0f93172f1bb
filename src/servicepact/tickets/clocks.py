"""Ticket events -> engine clock events, per metric definition. Pure functions; no database
access except resolving a metric given by its code.

A metric (``contracts.models.SlaMetric``, as ``contracts.metrics.MetricDef``) says which
ticket stage starts its clock, which stops it, which statuses pause it and which events end
it unrequired (docs/sla-clock.md, "Metric definitions"). The four metrics every installation
starts with:

| metric          | start             | pause / resume               | stop                      |
|-----------------|-------------------|------------------------------|---------------------------|
| first response  | opened            | –                            | acknowledged              |
| on-site arrival | opened            | –                            | onsite_arrived (*)        |
| restore         | opened            | waiting on customer / resumed| restored or resolved      |
| resolution      | opened, reopened  | waiting on customer / resumed| resolved                  |

The on-site arrival clock applies only to hardware tickets (its definition's categories): a
network or software fault fixed remotely never needed an engineer on site, so it cannot
breach that promise.

(*) A clock whose stop event can no longer happen ends there (its definition's end events):
a ticket resolved or closed before anyone arrived on site needs no visit. Its on-site clock
stops at the resolution and is "not required" (``ended_unrequired``), unless its deadline
had already passed while the ticket was open: that breach happened and stays one. A
reopening continues it where it ended (a visit may be needed after all), unless the engineer
had already arrived.

A clock starts at the first event of its start stage (a metric that starts at "fault
confirmed" has no clock until the fault is confirmed); later events of that stage do not
restart it. Only a reopening restarts a stopped clock (``restart_on_reopen``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from servicepact.contracts.choices import ClockStage
from servicepact.contracts.metrics import MetricDef, get_metric
from servicepact.slaclock import ClockEvent, ClockEventKind
from servicepact.tickets.choices import EventKind

DEFAULT_THRESHOLDS: tuple[int, ...] = (50, 75, 90, 100)

# For bulk readers (statements, the audit export): every ticket event kind that can start,
# pause, resume or stop some clock, whatever the metric definitions say (the stage
# vocabulary is fixed; the definitions pick from it).
CLOCK_EVENT_KINDS: tuple[str, ...] = (
    *ClockStage.values,
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


def _rule(metric: str | MetricDef) -> MetricDef:
    if isinstance(metric, MetricDef):
        return metric
    found = get_metric(metric)
    if found is None:
        raise LookupError(f"no SLA metric {metric!r}")
    return found


def metric_applies(metric: str | MetricDef, category: str, kind: str = "") -> bool:
    return _rule(metric).applies(category, kind)


def clock_events(metric: str | MetricDef, events: Iterable[EventFact]) -> list[ClockEvent]:
    rule = _rule(metric)
    out: list[ClockEvent] = []
    started = False
    stopped_for_real = False  # an ended clock continues on reopening, an arrived one not
    for e in events:
        if not started:
            if e.kind == rule.start:
                started = True
                out.append(ClockEvent(at=e.at, kind=ClockEventKind.START))
            continue
        if e.kind in rule.stops:
            stopped_for_real = True
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.STOP))
        elif e.kind in rule.ends:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.STOP))
        elif e.kind == EventKind.REOPENED and (
            rule.restart_on_reopen or (rule.ends and not stopped_for_real)
        ):
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.START, reason=e.reason))
        elif e.kind == EventKind.PAUSED and rule.pausable:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.PAUSE, reason=e.reason))
        elif e.kind == EventKind.RESUMED and rule.pausable:
            out.append(ClockEvent(at=e.at, kind=ClockEventKind.RESUME))
    return out


def ended_unrequired(
    metric: str | MetricDef, facts: Iterable[EventFact], stopped_at: datetime | None
) -> bool:
    """Did the clock stop at ``stopped_at`` because its own stop can no longer happen (an
    ending event such as the resolution), rather than by its stop event (the arrival)?"""
    rule = _rule(metric)
    if not rule.ends or stopped_at is None:
        return False
    kinds = {e.kind for e in facts if e.at == stopped_at}
    return bool(kinds & rule.ends) and not kinds & rule.stops


def clock_event_kinds(metrics: Iterable[MetricDef]) -> tuple[str, ...]:
    """The ticket event kinds that start, pause, resume, stop or end some of ``metrics``'
    clocks (bulk readers fetch only these), in a stable order."""
    kinds: set[str] = set()
    for m in metrics:
        kinds.add(m.start)
        kinds.update(m.stops, m.ends)
    return (
        *sorted(kinds),
        EventKind.REOPENED,
        EventKind.PAUSED,
        EventKind.RESUMED,
    )


def event_effect(metric: str | MetricDef, kind: str) -> str | None:
    """What one ticket event does to the metric's clock on its own (the audit export's
    per-event column): "start", "stop", "pause", "resume" or None."""
    rule = _rule(metric)
    if kind == rule.start:
        return str(ClockEventKind.START)
    if kind in rule.stops or kind in rule.ends:
        return str(ClockEventKind.STOP)
    if kind == EventKind.REOPENED and (rule.restart_on_reopen or rule.ends):
        return str(ClockEventKind.START)
    if kind == EventKind.PAUSED and rule.pausable:
        return str(ClockEventKind.PAUSE)
    if kind == EventKind.RESUMED and rule.pausable:
        return str(ClockEventKind.RESUME)
    return None
