"""The event rules of an SLA clock, on epoch seconds (no calendar arithmetic here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Replay:
    """What the events say happened: when the clock ran and when it did not."""

    started: int
    stopped: int | None = None
    paused_since: int | None = None
    pauses: list[tuple[int, int | None]] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)  # stop -> reopening start

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    @property
    def idle(self) -> list[tuple[int, int]]:
        """Closed intervals during which the clock did not count (pauses and gaps)."""
        closed = [(a, b) for a, b in self.pauses if b is not None]
        return sorted(closed + self.gaps)

    def idle_until(self, end: int) -> list[tuple[int, int]]:
        """``idle`` plus a pause that is still open, up to ``end``."""
        if self.paused_since is None:
            return self.idle
        return sorted([*self.idle, (self.paused_since, end)])


def replay(events: Sequence[tuple[int, str]], now: int) -> Replay | None:
    """Apply the events up to ``now`` in time order; None if the clock never started.

    Events are sorted by instant, stably (same-instant events keep their given order);
    events after ``now`` are not yet known. Rules, chosen for a service desk:
    - start starts the clock; a start after a stop reopens it and it keeps
      accumulating from its stopped value (the stopped interval does not count);
      a start while running or paused is ignored;
    - pause while running pauses; pause while paused, before the start or after a
      stop is ignored;
    - resume while paused resumes; otherwise ignored (a resume does not reopen);
    - stop while running or paused stops (an open pause ends there); a second stop
      is ignored: the first stop stands until a start reopens the clock.
    """
    state: Replay | None = None
    for at, kind in sorted((e for e in events if e[0] <= now), key=lambda e: e[0]):
        if state is None:
            if kind == "start":
                state = Replay(started=at)
            continue
        _apply(state, at, kind)
    if state is not None and state.paused_since is not None:
        state.pauses.append((state.paused_since, None))
    return state


def _apply(state: Replay, at: int, kind: str) -> None:
    if state.stopped is not None:
        if kind == "start":
            state.gaps.append((state.stopped, at))
            state.stopped = None
        return
    if kind == "pause" and state.paused_since is None:
        state.paused_since = at
    elif kind == "resume" and state.paused_since is not None:
        state.pauses.append((state.paused_since, at))
        state.paused_since = None
    elif kind == "stop":
        if state.paused_since is not None:
            state.pauses.append((state.paused_since, at))
            state.paused_since = None
        state.stopped = at
