"""Bulk queries over a batch that mixes calendars (one calendar per row).

The calendars' timelines are laid end to end on one axis, each shifted into its own
stretch, so a single pass of the same kernel serves every row: no grouping, no loop
over calendars per query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
import numpy.typing as npt

from servicepact.slaclock import kernel
from servicepact.slaclock.calendar import CompiledCalendar, check_targets
from servicepact.slaclock.errors import SpanError
from servicepact.slaclock.fastindex import IndexArray, Int64Array
from servicepact.slaclock.pauses import PauseSet
from servicepact.slaclock.timeline import Timeline


@dataclass(frozen=True, eq=False)
class _Layout:
    timeline: Timeline
    shift: Int64Array  # per calendar: add to an instant to reach its stretch
    span_start: Int64Array
    span_end: Int64Array
    limit: Int64Array  # per calendar: the last position inside its stretch


@lru_cache(maxsize=16)
def _layout(calendars: tuple[CompiledCalendar, ...]) -> _Layout:
    span_start = np.array([c.span_start for c in calendars], dtype=np.int64)
    span_end = np.array([c.span_end for c in calendars], dtype=np.int64)
    stride = int((span_end - span_start).max()) + 1
    # Stretch i is [i*stride, i*stride + width_i]; a gap of at least one second
    # keeps the stretches apart.
    shift = np.arange(len(calendars), dtype=np.int64) * stride - span_start
    starts = np.concatenate(
        [c.timeline.starts + s for c, s in zip(calendars, shift.tolist(), strict=True)]
    )
    ends = np.concatenate(
        [c.timeline.ends + s for c, s in zip(calendars, shift.tolist(), strict=True)]
    )
    timeline = Timeline.build(starts, ends, 0, len(calendars) * stride)
    limit = np.cumsum([c.timeline.total for c in calendars], dtype=np.int64)
    return _Layout(timeline, shift, span_start, span_end, limit)


def deadline_many_mixed(
    calendars: Sequence[CompiledCalendar],
    calendar_index: npt.ArrayLike,
    start: npt.ArrayLike,
    target_seconds: npt.ArrayLike,
    pauses: PauseSet | None = None,
) -> Int64Array:
    """``deadline_many`` where row i uses ``calendars[calendar_index[i]]``."""
    layout, which, start_arr = _prepare(calendars, calendar_index, start, "start")
    target = np.asarray(target_seconds, dtype=np.int64)
    if target.shape != start_arr.shape:
        raise ValueError("target_seconds must have one entry per row")
    check_targets(target)
    shift = _per_row(layout.shift, which)
    moved = _move_pauses(layout, which, pauses, start_arr.size)
    result = kernel.deadline_many(
        layout.timeline,
        start_arr + shift,
        target,
        moved,
        _per_row(layout.span_end, which) + shift,
        _per_row(layout.limit, which),
    )
    result -= shift
    return result


def business_seconds_many_mixed(
    calendars: Sequence[CompiledCalendar],
    calendar_index: npt.ArrayLike,
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    pauses: PauseSet | None = None,
) -> Int64Array:
    """``business_seconds_many`` where row i uses ``calendars[calendar_index[i]]``."""
    layout, which, a_arr = _prepare(calendars, calendar_index, a, "a")
    b_arr = np.asarray(b, dtype=np.int64)
    if b_arr.shape != a_arr.shape:
        raise ValueError("b must have one entry per row")
    _check_span(layout, which, b_arr, "b")
    backwards = np.flatnonzero(b_arr < a_arr)
    if backwards.size:
        raise ValueError(f"row {int(backwards[0])}: b is before a")
    shift = _per_row(layout.shift, which)
    moved = _move_pauses(layout, which, pauses, a_arr.size)
    return kernel.business_many(layout.timeline, a_arr + shift, b_arr + shift, moved)


def _per_row(values: Int64Array, which: IndexArray) -> Int64Array | int:
    """``values[which]``: each row's calendar's value; with one calendar, that value (numpy
    broadcasts it: no gather and no array of a million copies)."""
    if values.size == 1:
        return int(values[0])
    return values[which]


def _prepare(
    calendars: Sequence[CompiledCalendar],
    calendar_index: npt.ArrayLike,
    first: npt.ArrayLike,
    field: str,
) -> tuple[_Layout, IndexArray, Int64Array]:
    if not calendars:
        raise ValueError("at least one calendar is needed")
    layout = _layout(tuple(calendars))
    which = np.asarray(calendar_index).astype(np.intp, copy=False)
    values = np.asarray(first, dtype=np.int64)
    if which.shape != values.shape or values.ndim != 1:
        raise ValueError("calendar_index must have one entry per row")
    if which.size and (int(which.min()) < 0 or int(which.max()) >= len(calendars)):
        raise ValueError("calendar_index refers to a calendar that is not in the list")
    _check_span(layout, which, values, field)
    return layout, which, values


def _check_span(layout: _Layout, which: IndexArray, values: Int64Array, field: str) -> None:
    if values.size and (
        int(values.min()) >= int(layout.span_start.max())
        and int(values.max()) <= int(layout.span_end.min())
    ):
        return  # every value lies in every calendar's span: no row to look up
    outside = np.flatnonzero(
        (values < layout.span_start[which]) | (values > layout.span_end[which])
    )
    if outside.size:
        row = int(outside[0])
        raise SpanError(f"row {row}: {field} is outside its calendar's compiled span", row=row)


def _move_pauses(
    layout: _Layout, which: IndexArray, pauses: PauseSet | None, n_rows: int
) -> PauseSet | None:
    """Clip pauses to their row's span (so none crosses into another stretch) and shift."""
    if pauses is None:
        return None
    if pauses.n_rows != n_rows:
        raise ValueError(f"pauses describe {pauses.n_rows} rows, the arrays {n_rows}")
    row_calendar = which[pauses.rows]
    lo, hi = _per_row(layout.span_start, row_calendar), _per_row(layout.span_end, row_calendar)
    shift = _per_row(layout.shift, row_calendar)
    # int64 throughout (the bounds are int64 values or arrays); the stubs cannot tell.
    start = cast(Int64Array, np.minimum(np.maximum(pauses.start, lo), hi) + shift)
    end = cast(Int64Array, np.minimum(np.maximum(pauses.end, lo), hi) + shift)
    return pauses.mapped(start, end)
