"""SLA clocks: replay a ticket's start/pause/resume/stop events against a calendar."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import numpy as np

from servicepact.slaclock.calendar import CompiledCalendar
from servicepact.slaclock.clock_replay import Replay, replay
from servicepact.slaclock.errors import SpanError
from servicepact.slaclock.instants import to_epoch, utc_datetime
from servicepact.slaclock.pauses import PauseSet


class ClockEventKind(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


class ClockState(StrEnum):
    PENDING = "pending"  # no start at or before ``now`` (an addition to the four states)
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    # Never produced by ``evaluate_clock``: an adapter's verdict for a clock that stopped
    # because its own stop event could no longer happen (ServicePact: an on-site arrival on a
    # resolved ticket). It is neither met nor breached.
    NOT_REQUIRED = "not_required"


@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    kind: ClockEventKind
    reason: str = ""


@dataclass(frozen=True)
class ClockResult:
    """A clock as of ``now``. Instants are aware UTC datetimes."""

    state: ClockState
    started_at: datetime | None
    stopped_at: datetime | None
    elapsed_seconds: int
    remaining_seconds: int  # never negative: see breached_by_seconds
    deadline: datetime | None  # None while paused (and before the start)
    breached_at: datetime | None  # the deadline instant once elapsed >= target
    fraction: float  # elapsed / target; a zero target counts as 1.0 once started
    pauses: tuple[tuple[datetime, datetime | None], ...]
    breached_by_seconds: int = 0  # business seconds beyond the target
    target_seconds: int = 0
    _calendar: CompiledCalendar | None = field(default=None, repr=False, compare=False)
    _replay: Replay | None = field(default=None, repr=False, compare=False)

    def instant_at_fraction(self, f: float) -> datetime | None:
        """When elapsed reaches ``f`` x target (past or future); None while paused,
        before the start, and for a stopped clock that never got there."""
        if f < 0:
            raise ValueError("the fraction must not be negative")
        if self._calendar is None or self._replay is None or self.state == ClockState.PENDING:
            return None
        if self._replay.paused:
            return None
        # Decimal(str(f)) keeps 0.1 * 30 at exactly 3 seconds rather than 3.0000000000000004.
        return self.instant_at_elapsed(math.ceil(Decimal(str(f)) * self.target_seconds))

    def instant_at_elapsed(self, seconds: int) -> datetime | None:
        """When elapsed business time reaches ``seconds``; None while paused, before the
        start, and for a stopped clock that never got there. ``target_seconds + 1`` is the
        breach instant (breached means elapsed > target)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        if self._calendar is None or self._replay is None or self.state == ClockState.PENDING:
            return None
        if self._replay.paused:
            return None
        if self._replay.stopped is not None and self.elapsed_seconds < seconds:
            return None
        instant = self._calendar.deadline_epoch(self._replay.started, seconds, self._replay.idle)
        return utc_datetime(instant)


def evaluate_clock(
    calendar: CompiledCalendar, target_seconds: int, events: Iterable[ClockEvent], now: datetime
) -> ClockResult:
    """The state of one clock at ``now`` from its events (any order; see replay rules)."""
    if target_seconds < 0:
        raise ValueError("target_seconds must not be negative")
    now_s = to_epoch(now, "now")
    history = replay([_timed(i, e) for i, e in enumerate(events)], now_s)
    if history is None:
        return _pending(target_seconds)
    end = history.stopped if history.stopped is not None else now_s
    elapsed = calendar.business_seconds_epoch(history.started, end, history.idle_until(end))
    deadline = _deadline(calendar, history, elapsed, target_seconds)
    return _result(calendar, history, elapsed, deadline, target_seconds)


def evaluate_clocks(
    calendar: CompiledCalendar,
    clocks: Sequence[tuple[int, Iterable[ClockEvent]]],
    now: datetime,
) -> list[ClockResult]:
    """``evaluate_clock`` for many clocks on one calendar: ``clocks`` is a sequence of
    (target seconds, events); the results come in the same order and equal what
    ``evaluate_clock`` returns for each. The business time and the deadlines of all of them
    are one bulk call each (``business_seconds_many``, ``deadline_many``).

    A clock the bulk call cannot take (an instant outside the compiled span) makes every
    clock be evaluated alone, so the error raised is exactly ``evaluate_clock``'s.
    """
    now_s = to_epoch(now, "now")
    given = [(target, list(events)) for target, events in clocks]
    histories: list[Replay | None] = []
    for target, events in given:
        if target < 0:
            raise ValueError("target_seconds must not be negative")
        histories.append(replay([_timed(i, e) for i, e in enumerate(events)], now_s))
    rows = [i for i, history in enumerate(histories) if history is not None]
    results = [_pending(target) for target, _events in given]
    if not rows:
        return results
    started = [h for h in histories if h is not None]
    try:
        elapsed, deadlines = _bulk(calendar, started, [given[i][0] for i in rows], now_s)
    except (SpanError, ValueError):
        return [evaluate_clock(calendar, target, events, now) for target, events in given]
    for k, i in enumerate(rows):
        results[i] = _result(calendar, started[k], elapsed[k], deadlines[k], given[i][0])
    return results


def _bulk(
    calendar: CompiledCalendar, runs: list[Replay], targets: list[int], now_s: int
) -> tuple[list[int], list[int | None]]:
    """Elapsed business seconds and deadlines (None: paused short of the target) per clock."""
    ends = [h.stopped if h.stopped is not None else now_s for h in runs]
    elapsed: list[int] = calendar.business_seconds_many(
        np.array([h.started for h in runs], dtype=np.int64),
        np.array(ends, dtype=np.int64),
        PauseSet.from_rows([h.idle_until(end) for h, end in zip(runs, ends, strict=True)]),
    ).tolist()
    wanted = [k for k, h in enumerate(runs) if not (h.paused and elapsed[k] < targets[k])]
    deadlines: list[int | None] = [None] * len(runs)
    if wanted:
        found = calendar.deadline_many(
            np.array([runs[k].started for k in wanted], dtype=np.int64),
            np.array([targets[k] for k in wanted], dtype=np.int64),
            PauseSet.from_rows([runs[k].idle for k in wanted]),
        ).tolist()
        for k, instant in zip(wanted, found, strict=True):
            deadlines[k] = instant
    return elapsed, deadlines


def _result(
    calendar: CompiledCalendar,
    history: Replay,
    elapsed: int,
    deadline: int | None,
    target_seconds: int,
) -> ClockResult:
    return ClockResult(
        state=_state(history, elapsed, target_seconds),
        started_at=utc_datetime(history.started),
        stopped_at=None if history.stopped is None else utc_datetime(history.stopped),
        elapsed_seconds=elapsed,
        remaining_seconds=max(0, target_seconds - elapsed),
        deadline=None if history.paused or deadline is None else utc_datetime(deadline),
        breached_at=None
        if elapsed < target_seconds or deadline is None
        else utc_datetime(deadline),
        fraction=elapsed / target_seconds if target_seconds else 1.0,
        pauses=tuple(
            (utc_datetime(a), None if b is None else utc_datetime(b)) for a, b in history.pauses
        ),
        breached_by_seconds=max(0, elapsed - target_seconds),
        target_seconds=target_seconds,
        _calendar=calendar,
        _replay=history,
    )


def _timed(index: int, event: ClockEvent) -> tuple[int, ClockEventKind]:
    try:
        kind = ClockEventKind(event.kind)
    except ValueError:
        raise ValueError(f"events[{index}].kind: unknown event kind {event.kind!r}") from None
    return to_epoch(event.at, f"events[{index}].at"), kind


def _deadline(
    calendar: CompiledCalendar, history: Replay, elapsed: int, target_seconds: int
) -> int | None:
    """When the target is (or was) reached; None for a paused clock still short of it.

    Only past pauses and stopped gaps count, so a stopped clock's deadline is where it
    stood at the stop, as if it had kept running.
    """
    if history.paused and elapsed < target_seconds:
        return None
    return calendar.deadline_epoch(history.started, target_seconds, history.idle)


def _state(history: Replay, elapsed: int, target_seconds: int) -> ClockState:
    # Breached means business time beyond the target: resolving exactly on the target
    # is met, even when the deadline was a closing time and the stop came later.
    if elapsed > target_seconds:
        return ClockState.BREACHED
    if history.stopped is not None:
        return ClockState.MET
    return ClockState.PAUSED if history.paused else ClockState.RUNNING


def _pending(target_seconds: int) -> ClockResult:
    return ClockResult(
        state=ClockState.PENDING,
        started_at=None,
        stopped_at=None,
        elapsed_seconds=0,
        remaining_seconds=target_seconds,
        deadline=None,
        breached_at=None,
        fraction=0.0,
        pauses=(),
        target_seconds=target_seconds,
    )
