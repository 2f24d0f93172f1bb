"""The bulk arithmetic: business time and deadlines with pauses, for many rows at once.

This is the single implementation of the pause rules; the scalar API calls it with
length-1 arrays whenever pauses are involved.
"""

from __future__ import annotations

import numpy as np

from servicepact.slaclock.errors import SpanError
from servicepact.slaclock.fastindex import Int64Array
from servicepact.slaclock.pauses import PauseSet
from servicepact.slaclock.timeline import Timeline

Bound = Int64Array | int

# Rows per block: small enough that every temporary array stays in the CPU cache,
# which makes the dozen passes over each block several times cheaper than over 1M rows.
BLOCK_ROWS = 1 << 15


def business_many(
    tl: Timeline, a: Int64Array, b: Int64Array, pauses: PauseSet | None
) -> Int64Array:
    """Open, unpaused seconds in [a, b) per row; a <= b within the span (checked by callers)."""
    if a.size <= BLOCK_ROWS:
        return _business_block(tl, a, b, pauses)
    result = np.empty(a.size, dtype=np.int64)
    for lo in range(0, a.size, BLOCK_ROWS):
        hi = min(lo + BLOCK_ROWS, a.size)
        block_pauses = None if pauses is None else pauses.row_slice(lo, hi)
        result[lo:hi] = _business_block(tl, a[lo:hi], b[lo:hi], block_pauses)
    return result


def _business_block(
    tl: Timeline, a: Int64Array, b: Int64Array, pauses: PauseSet | None
) -> Int64Array:
    total = tl.positions(b)
    total -= tl.positions(a)
    if pauses is None or pauses.size == 0:
        return total
    lo, hi = a[pauses.rows], b[pauses.rows]
    p0 = np.minimum(np.maximum(pauses.start, lo), hi)
    p1 = np.minimum(np.maximum(pauses.end, lo), hi)
    return total - pauses.sum_per_row(tl.positions(p1) - tl.positions(p0))


def deadline_many(
    tl: Timeline,
    start: Int64Array,
    target: Int64Array,
    pauses: PauseSet | None,
    span_end: Bound,
    limit: Bound,
) -> Int64Array:
    """Earliest t >= start with business time (start, t) >= target, per row.

    ``span_end`` clips pauses (per row or one value) and ``limit`` is the largest
    position the row's calendar can reach; a row needing more raises SpanError.
    """
    if start.size <= BLOCK_ROWS:
        return _deadline_block(tl, start, target, pauses, span_end, limit, 0)
    result = np.empty(start.size, dtype=np.int64)
    for lo in range(0, start.size, BLOCK_ROWS):
        hi = min(lo + BLOCK_ROWS, start.size)
        result[lo:hi] = _deadline_block(
            tl,
            start[lo:hi],
            target[lo:hi],
            None if pauses is None else pauses.row_slice(lo, hi),
            _rows(span_end, lo, hi),
            _rows(limit, lo, hi),
            lo,
        )
    return result


def _rows(bound: Bound, lo: int, hi: int) -> Bound:
    return bound[lo:hi] if isinstance(bound, np.ndarray) else bound


def _deadline_block(
    tl: Timeline,
    start: Int64Array,
    target: Int64Array,
    pauses: PauseSet | None,
    span_end: Bound,
    limit: Bound,
    first_row: int,
) -> Int64Array:
    goal = tl.positions(start)
    goal += target
    if pauses is not None and pauses.size:
        goal = goal + _paused_business(tl, start, goal, pauses, span_end)
    if isinstance(limit, np.ndarray) or (goal.size and int(goal.max()) > limit):
        beyond = np.flatnonzero(goal > limit)
        if beyond.size:
            row = first_row + int(beyond[0])
            raise SpanError(f"row {row}: the deadline lies beyond the compiled span", row=row)
    result = tl.instants(goal)
    # A zero target (and only that) can look up an instant before the start.
    return np.maximum(result, start, out=result)


def _paused_business(
    tl: Timeline, start: Int64Array, goal: Int64Array, pauses: PauseSet, span_end: Bound
) -> Int64Array:
    """Business time swallowed by the pauses that fall before each row's deadline.

    In position space pause k covers [b0_k, b1_k). Walking a row's pauses in order,
    pause k delays the deadline iff it starts before the goal moved by the earlier
    pauses: b0_k < goal + sum(len_j, j < k), i.e. u_k = b0_k - sum(len_j) < goal.
    Sorted disjoint pauses make u non-decreasing, so the delaying pauses are a
    prefix and one vectorised comparison finds them all.
    """
    row_start = start[pauses.rows]
    row_end = span_end[pauses.rows] if isinstance(span_end, np.ndarray) else span_end
    b0 = tl.positions(np.minimum(np.maximum(pauses.start, row_start), row_end))
    b1 = tl.positions(np.minimum(np.maximum(pauses.end, row_start), row_end))
    length = b1 - b0
    delaying = (b0 - pauses.before_in_row(length)) < goal[pauses.rows]
    return pauses.sum_per_row(np.where(delaying, length, 0))
