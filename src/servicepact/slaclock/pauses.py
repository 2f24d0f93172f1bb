"""PauseSet: per-row pause intervals for the bulk API, stored CSR-style."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from servicepact.slaclock.fastindex import IndexArray, Int64Array


class PauseSet:
    """Pauses of ``n_rows`` rows: row i owns ``start[offsets[i]:offsets[i+1]]`` (and ``end``).

    Pause i is the half-open interval [start[i], end[i]) of UTC epoch seconds. On
    construction each row's pauses are sorted and overlapping or touching ones merged,
    so the arithmetic can rely on sorted, disjoint pauses; empty pauses are dropped.
    """

    __slots__ = ("end", "offsets", "rows", "start")

    offsets: Int64Array
    start: Int64Array
    end: Int64Array
    rows: IndexArray

    def __init__(self, offsets: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike) -> None:
        offsets_a = np.asarray(offsets, dtype=np.int64)
        start_a = np.asarray(start, dtype=np.int64)
        end_a = np.asarray(end, dtype=np.int64)
        _check_shape(offsets_a, start_a, end_a)
        rows = np.repeat(np.arange(offsets_a.size - 1, dtype=np.intp), np.diff(offsets_a))
        self._assign(*_normalise(offsets_a.size - 1, rows, start_a, end_a))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[tuple[int, int]]]) -> PauseSet:
        """From one list of (start, end) epoch-second pairs per row."""
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(r) for r in rows])
        flat = [pair for r in rows for pair in r]
        start = np.array([p[0] for p in flat], dtype=np.int64)
        end = np.array([p[1] for p in flat], dtype=np.int64)
        return cls(offsets, start, end)

    @classmethod
    def from_row_index(
        cls, n_rows: int, rows: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike
    ) -> PauseSet:
        """The same set as the constructor gives, from each pause's row (not offsets).

        When the pauses come by row and, within a row, by time and apart (each starts after
        the previous one ends: the usual case), nothing needs sorting or merging and this
        costs a pass over the pauses and one count per row; otherwise the constructor
        normalises them. For bulk callers with many rows and few pauses (the tier replay:
        2.5M clocks, 100k waits), where the constructor's per-row passes dominate."""
        rows_a = np.asarray(rows, dtype=np.intp)
        start_a = np.asarray(start, dtype=np.int64)
        end_a = np.asarray(end, dtype=np.int64)
        if rows_a.ndim != 1 or start_a.shape != rows_a.shape or end_a.shape != rows_a.shape:
            raise ValueError("pause rows, start and end must be 1-D arrays of one length")
        if rows_a.size and (int(rows_a.min()) < 0 or int(rows_a.max()) >= n_rows):
            raise ValueError("pause rows must be in [0, n_rows)")
        if np.any(rows_a[1:] < rows_a[:-1]):
            order = np.argsort(rows_a, kind="stable")
            rows_a, start_a, end_a = rows_a[order], start_a[order], end_a[order]
        same = rows_a[1:] == rows_a[:-1]
        # Offsets: each row's count written after it, then summed in place (a ``bincount``
        # over millions of rows costs 4x that).
        offsets = np.zeros(n_rows + 1, dtype=np.int64)
        first = np.flatnonzero(np.concatenate(([True], ~same))) if rows_a.size else rows_a
        offsets[rows_a[first] + 1] = np.diff(np.append(first, rows_a.size))
        np.cumsum(offsets, out=offsets)
        if np.any(end_a <= start_a) or np.any(same & (start_a[1:] <= end_a[:-1])):
            return cls(offsets, start_a, end_a)  # empty, unsorted, overlapping or touching
        result = cls.__new__(cls)
        result._assign(offsets, start_a, end_a, rows_a)
        return result

    @classmethod
    def empty(cls, n_rows: int) -> PauseSet:
        return cls(np.zeros(n_rows + 1, dtype=np.int64), [], [])

    @property
    def n_rows(self) -> int:
        return int(self.offsets.size - 1)

    @property
    def size(self) -> int:
        return int(self.start.size)

    def row(self, index: int) -> list[tuple[int, int]]:
        lo, hi = int(self.offsets[index]), int(self.offsets[index + 1])
        return list(zip(self.start[lo:hi].tolist(), self.end[lo:hi].tolist(), strict=True))

    def sum_per_row(self, values: Int64Array) -> Int64Array:
        """Sum of a per-pause array over each row's pauses."""
        running = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
        return running[self.offsets[1:]] - running[self.offsets[:-1]]

    def before_in_row(self, values: Int64Array) -> Int64Array:
        """For each pause, the sum of ``values`` over the earlier pauses of its row."""
        running = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
        return running[:-1] - running[self.offsets[:-1]][self.rows]

    def row_slice(self, first: int, stop: int) -> PauseSet:
        """The pauses of rows [first, stop), renumbered from 0 (views, no copies of pauses)."""
        lo, hi = int(self.offsets[first]), int(self.offsets[stop])
        result = PauseSet.__new__(PauseSet)
        result._assign(
            self.offsets[first : stop + 1] - lo,
            self.start[lo:hi],
            self.end[lo:hi],
            self.rows[lo:hi] - first,
        )
        return result

    def mapped(self, start: Int64Array, end: Int64Array) -> PauseSet:
        """Same rows with moved instants; the caller keeps order and disjointness."""
        result = PauseSet.__new__(PauseSet)
        result._assign(self.offsets, start, end, self.rows)
        return result

    def _assign(
        self, offsets: Int64Array, start: Int64Array, end: Int64Array, rows: IndexArray
    ) -> None:
        self.offsets, self.start, self.end, self.rows = offsets, start, end, rows


def _check_shape(offsets: Int64Array, start: Int64Array, end: Int64Array) -> None:
    if offsets.ndim != 1 or offsets.size < 1 or offsets[0] != 0:
        raise ValueError("pause offsets must be a 1-D array starting with 0")
    if start.shape != end.shape or start.ndim != 1 or int(offsets[-1]) != start.size:
        raise ValueError("pause start/end must be 1-D arrays of length offsets[-1]")
    if np.any(np.diff(offsets) < 0):
        raise ValueError("pause offsets must be non-decreasing")
    bad = np.flatnonzero(end < start)
    if bad.size:
        raise ValueError(f"pause {int(bad[0])} ends before it starts")


def _normalise(
    n_rows: int, rows: IndexArray, start: Int64Array, end: Int64Array
) -> tuple[Int64Array, Int64Array, Int64Array, IndexArray]:
    """Sort each row's pauses and merge overlapping or touching ones (vectorised)."""
    keep = end > start
    rows, start, end = rows[keep], start[keep], end[keep]
    order = np.lexsort((start, rows))
    rows, start, end = rows[order], start[order], end[order]
    if start.size:
        run_end = _running_max_per_row(rows, end)
        first = np.ones(start.size, dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (start[1:] > run_end[:-1])
        last = np.append(np.flatnonzero(first)[1:] - 1, start.size - 1)
        rows, start, end = rows[first], start[first], run_end[last]
    offsets = np.searchsorted(rows, np.arange(n_rows + 1), side="left").astype(np.int64)
    return offsets, start, end, rows


def _running_max_per_row(rows: IndexArray, values: Int64Array) -> Int64Array:
    """Cumulative max of ``values`` restarting at each row (rows sorted)."""
    base = int(values.min())
    width = int(values.max()) - base + 1
    if (int(rows[-1]) + 1) * width < (1 << 62):
        # Offsetting each row by row*width keeps rows apart in one global accumulate.
        lifted = rows.astype(np.int64) * width + (values - base)
        return np.maximum.accumulate(lifted) - rows.astype(np.int64) * width + base
    result = values.copy()
    for i in range(1, values.size):
        if rows[i] == rows[i - 1]:
            result[i] = max(result[i], result[i - 1])
    return result
