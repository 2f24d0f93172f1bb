"""A bucketed replacement for ``numpy.searchsorted(values, q, side="left")``.

np.searchsorted costs ~50 ns per random query even on a tiny array; calendars have
boundaries hours apart, so a table indexed by ``(q - origin) >> shift`` gets within
one or two elements of the answer and a few vectorised compare-and-step passes finish.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Int64Array = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]

_MAX_TABLE = 1 << 20  # entries; beyond this the table stops fitting in cache
_MAX_STEPS = 6  # more correction passes than this: plain searchsorted is as fast
_SENTINEL = np.int64(1 << 62)


@dataclass(frozen=True, eq=False)
class BucketIndex:
    """Counts of sorted ``values`` below each query, for queries in [origin, limit]."""

    values: Int64Array
    origin: int
    shift: int
    table: IndexArray
    padded: Int64Array
    steps: int  # correction passes; -1 means fall back to np.searchsorted

    @classmethod
    def build(cls, values: Int64Array, origin: int, limit: int) -> BucketIndex:
        padded = np.append(values, _SENTINEL).astype(np.int64)
        width = max(limit - origin, 1)
        best: tuple[int, int] | None = None  # (steps, shift)
        for shift in range(width.bit_length(), -1, -1):
            if (width >> shift) + 1 > _MAX_TABLE:
                break
            steps = _max_per_bucket(values, origin, shift)
            if best is None or steps < best[0] or steps <= 1:
                best = (steps, shift)
            if steps <= 1:
                break
        assert best is not None  # the coarsest shift always fits the table
        steps, shift = best
        if steps > _MAX_STEPS:
            empty = np.zeros(1, dtype=np.intp)
            return cls(values, origin, shift, empty, padded, -1)
        bucket_starts = origin + (np.arange((width >> shift) + 1, dtype=np.int64) << shift)
        table = np.searchsorted(values, bucket_starts, side="left").astype(np.intp)
        return cls(values, origin, shift, table, padded, steps)

    def count_less(self, queries: Int64Array) -> IndexArray:
        """``searchsorted(values, queries, "left")``; queries must lie in [origin, limit]."""
        if self.steps < 0:
            return np.searchsorted(self.values, queries, side="left").astype(np.intp)
        if self.origin:
            bucket = queries - self.origin
            bucket >>= self.shift
        else:
            bucket = queries >> self.shift
        index = self.table.take(bucket)
        for _ in range(self.steps):
            index += self.padded.take(index) < queries
        return index


def _max_per_bucket(values: Int64Array, origin: int, shift: int) -> int:
    if values.size == 0:
        return 0
    return int(np.bincount((values - origin) >> shift).max())
