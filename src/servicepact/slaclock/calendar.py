"""CompiledCalendar: the query API over a compiled span (scalar and bulk)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from servicepact.slaclock import kernel
from servicepact.slaclock.errors import CalendarError, SpanError
from servicepact.slaclock.fastindex import Int64Array
from servicepact.slaclock.instants import to_epoch, utc_datetime, zone
from servicepact.slaclock.pauses import PauseSet
from servicepact.slaclock.spec import CalendarSpec
from servicepact.slaclock.timeline import Timeline

DatetimePauses = Sequence[tuple[datetime, datetime]]
EpochPauses = Sequence[tuple[int, int]]


class CompiledCalendar:
    """Open intervals of a calendar over [span_start, span_end] (UTC epoch seconds).

    Immutable; compare and hash by identity. Build it with ``compile_calendar``.
    Datetime results are aware UTC instants (format them in ``zone`` for display).
    """

    __slots__ = ("first", "last", "span_end", "span_start", "spec", "timeline", "zone")

    def __init__(
        self,
        spec: CalendarSpec,
        first: date,
        last: date,
        span_start: int,
        span_end: int,
        timeline: Timeline,
    ) -> None:
        self.spec = spec
        self.first = first
        self.last = last
        self.span_start = span_start
        self.span_end = span_end
        self.timeline = timeline
        self.zone: ZoneInfo = zone(spec.timezone)

    def __repr__(self) -> str:
        return f"<CompiledCalendar {self.spec.timezone} {self.first}..{self.last}>"

    @property
    def timezone(self) -> str:
        return self.spec.timezone

    # -- scalar API on aware datetimes --------------------------------------------

    def business_seconds(self, a: datetime, b: datetime, pauses: DatetimePauses = ()) -> int:
        """Open, unpaused seconds in [a, b)."""
        return self.business_seconds_epoch(
            to_epoch(a, "a"), to_epoch(b, "b"), _pause_epochs(pauses)
        )

    def deadline(
        self, start: datetime, target_seconds: int, pauses: DatetimePauses = ()
    ) -> datetime:
        """Earliest instant t >= start with business_seconds(start, t, pauses) >= target."""
        instant = self.deadline_epoch(
            to_epoch(start, "start"), target_seconds, _pause_epochs(pauses)
        )
        return utc_datetime(instant)

    def is_open(self, t: datetime) -> bool:
        """Whether the calendar is open during the second starting at ``t``."""
        instant = to_epoch(t, "t")
        self._check_instant(instant, "t", closed_end=False)
        return self.timeline.position(instant + 1) > self.timeline.position(instant)

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself if open, else the next opening."""
        instant = to_epoch(t, "t")
        self._check_instant(instant, "t", closed_end=False)
        goal = self.timeline.position(instant) + 1
        if goal > self.timeline.total:
            raise SpanError(
                f"t: no opening after {t.isoformat()} within the span ending {self._iso(self.span_end)}"
            )
        # The open second that lifts the position to ``goal`` starts one second earlier.
        return utc_datetime(self.timeline.instant(goal) - 1)

    def next_close(self, t: datetime) -> datetime:
        """``t`` itself if closed, else the end of the open interval containing it."""
        instant = to_epoch(t, "t")
        self._check_instant(instant, "t", closed_end=False)
        tl = self.timeline
        k = bisect_right(tl.starts_list, instant) - 1
        if k < 0 or instant >= tl.ends_list[k]:
            return utc_datetime(instant)
        if tl.ends_list[k] >= self.span_end:
            # The interval may go on past the span: the engine never guesses.
            raise SpanError(
                f"t: open until the end of the span ({self._iso(self.span_end)}) and maybe beyond"
            )
        return utc_datetime(tl.ends_list[k])

    # -- scalar API on epoch seconds ------------------------------------------------

    def business_seconds_epoch(self, a: int, b: int, pauses: EpochPauses = ()) -> int:
        """``business_seconds`` on UTC epoch seconds."""
        self._check_instant(a, "a")
        self._check_instant(b, "b")
        if b < a:
            raise ValueError(f"b ({self._iso(b)}) is before a ({self._iso(a)})")
        if pauses:
            rows = PauseSet.from_rows([pauses])
            return int(kernel.business_many(self.timeline, np.array([a]), np.array([b]), rows)[0])
        return self.timeline.position(b) - self.timeline.position(a)

    def deadline_epoch(self, start: int, target_seconds: int, pauses: EpochPauses = ()) -> int:
        """``deadline`` on UTC epoch seconds."""
        self._check_instant(start, "start")
        _check_target(target_seconds)
        tl = self.timeline
        if pauses:
            try:
                return int(
                    self._deadline_array(np.array([start]), np.array([target_seconds]), pauses)[0]
                )
            except SpanError:
                raise self._beyond() from None
        goal = tl.position(start) + target_seconds
        if goal > tl.total:
            raise self._beyond()
        return max(tl.instant(goal), start)

    # -- bulk API: int64 arrays of UTC epoch seconds ----------------------------------

    def business_seconds_many(
        self, a: npt.ArrayLike, b: npt.ArrayLike, pauses: PauseSet | None = None
    ) -> Int64Array:
        """Open, unpaused seconds in [a[i], b[i]) for every row."""
        a_arr, b_arr = _int64(a, "a"), _int64(b, "b")
        _same_rows(a_arr, b_arr, pauses)
        self._check_many(a_arr, "a")
        self._check_many(b_arr, "b")
        backwards = np.flatnonzero(b_arr < a_arr)
        if backwards.size:
            raise ValueError(f"row {int(backwards[0])}: b is before a")
        return kernel.business_many(self.timeline, a_arr, b_arr, pauses)

    def deadline_many(
        self, start: npt.ArrayLike, target_seconds: npt.ArrayLike, pauses: PauseSet | None = None
    ) -> Int64Array:
        """Deadline per row; SpanError if a start or a deadline leaves the span."""
        start_arr, target_arr = _int64(start, "start"), _int64(target_seconds, "target_seconds")
        _same_rows(start_arr, target_arr, pauses)
        self._check_many(start_arr, "start")
        check_targets(target_arr)
        return kernel.deadline_many(
            self.timeline, start_arr, target_arr, pauses, self.span_end, self.timeline.total
        )

    # -- helpers ------------------------------------------------------------------------

    def _deadline_array(
        self, start: Int64Array, target: Int64Array, pauses: EpochPauses
    ) -> Int64Array:
        rows = PauseSet.from_rows([pauses])
        return kernel.deadline_many(
            self.timeline, start, target, rows, self.span_end, self.timeline.total
        )

    def _iso(self, instant: int) -> str:
        return utc_datetime(instant).isoformat()

    def _beyond(self) -> SpanError:
        return SpanError(
            f"the deadline lies beyond the compiled span ending {self._iso(self.span_end)}"
        )

    def _check_instant(self, instant: int, field: str, *, closed_end: bool = True) -> None:
        inside = (
            self.span_start <= instant <= self.span_end
            if closed_end
            else self.span_start <= instant < self.span_end
        )
        if not inside:
            raise SpanError(
                f"{field}: {self._iso(instant)} is outside the compiled span "
                f"[{self._iso(self.span_start)}, {self._iso(self.span_end)}]"
            )

    def _check_many(self, values: Int64Array, field: str) -> None:
        if values.size == 0:
            return
        if int(values.min()) >= self.span_start and int(values.max()) <= self.span_end:
            return
        row = int(np.flatnonzero((values < self.span_start) | (values > self.span_end))[0])
        raise SpanError(
            f"row {row}: {field} {self._iso(int(values[row]))} is outside the compiled span",
            row=row,
        )


MAX_TARGET_SECONDS = 1 << 53  # far beyond any calendar; keeps int64 sums from overflowing


def check_targets(target: Int64Array) -> None:
    """Bulk targets must lie in [0, MAX_TARGET_SECONDS]."""
    if target.size and int(target.min()) < 0:
        raise ValueError(f"row {int(np.argmin(target))}: target_seconds is negative")
    if target.size and int(target.max()) > MAX_TARGET_SECONDS:
        raise ValueError(f"row {int(np.argmax(target))}: target_seconds is too large")


def _check_target(target_seconds: int) -> None:
    if isinstance(target_seconds, bool) or not isinstance(target_seconds, int | np.integer):
        raise TypeError(f"target_seconds must be an int, got {type(target_seconds).__name__}")
    if not 0 <= target_seconds <= MAX_TARGET_SECONDS:
        raise ValueError(f"target_seconds must be between 0 and 2**53, got {target_seconds}")


def _pause_epochs(pauses: DatetimePauses) -> list[tuple[int, int]]:
    result = []
    for i, (begin, end) in enumerate(pauses):
        pair = (to_epoch(begin, f"pauses[{i}][0]"), to_epoch(end, f"pauses[{i}][1]"))
        if pair[1] < pair[0]:
            raise CalendarError(f"pauses[{i}]", "the pause ends before it starts")
        result.append(pair)
    return result


def _int64(values: npt.ArrayLike, field: str) -> Int64Array:
    array = np.asarray(values)
    if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{field}: expected a 1-D integer array of epoch seconds")
    return array.astype(np.int64, copy=False)


def _same_rows(first: Int64Array, second: Int64Array, pauses: PauseSet | None) -> None:
    if first.shape != second.shape:
        raise ValueError("input arrays must have the same length")
    if pauses is not None and pauses.n_rows != first.size:
        raise ValueError(f"pauses describe {pauses.n_rows} rows, the arrays {first.size}")
