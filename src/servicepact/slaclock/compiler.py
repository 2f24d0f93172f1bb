"""Turn a CalendarSpec into the open intervals of a range of local dates."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from servicepact.slaclock.calendar import CompiledCalendar
from servicepact.slaclock.fastindex import Int64Array
from servicepact.slaclock.instants import local_to_epoch, zone
from servicepact.slaclock.schedule import open_pieces
from servicepact.slaclock.spec import CalendarSpec
from servicepact.slaclock.timeline import Timeline

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def compile_calendar(spec: CalendarSpec, first: date, last: date) -> CompiledCalendar:
    """Open intervals of the local dates [first, last] (inclusive), cached and immutable.

    The span runs from local midnight of ``first`` to local midnight after ``last``;
    queries outside it raise SpanError.
    """
    if last < first:
        raise ValueError(f"empty span: last {last} is before first {first}")
    if first <= date.min or last >= date.max:
        raise ValueError("span must leave one date of room on both sides")
    tz = zone(spec.timezone)
    span_start = local_to_epoch(tz, first, 0)
    span_end = local_to_epoch(tz, last + _ONE_DAY, 0)
    starts, ends = _merge(*_instants(spec, first, last))
    timeline = Timeline.build(starts, ends, span_start, span_end)
    return CompiledCalendar(spec, first, last, span_start, span_end, timeline)


def _instants(spec: CalendarSpec, first: date, last: date) -> tuple[Int64Array, Int64Array]:
    tz = zone(spec.timezone)
    starts: list[int] = []
    ends: list[int] = []
    day = first
    while day <= last:
        for local_start, local_end in open_pieces(spec, day):
            # Map both boundaries separately: DST gaps and folds may shorten a piece,
            # even to nothing (a window inside a gap).
            opens = local_to_epoch(tz, day, local_start)
            closes = local_to_epoch(tz, day, local_end)
            if closes > opens:
                starts.append(opens)
                ends.append(closes)
        day += _ONE_DAY
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _merge(starts: Int64Array, ends: Int64Array) -> tuple[Int64Array, Int64Array]:
    """Union of intervals: sorted, disjoint and non-touching, so every start is an opening."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    first = np.ones(starts.size, dtype=bool)
    first[1:] = starts[1:] > reach[:-1]
    last = np.append(np.flatnonzero(first)[1:] - 1, starts.size - 1)
    return starts[first], reach[last]
