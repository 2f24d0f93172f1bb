"""Compiled open intervals and the two lookups every computation is built from.

position(t): open seconds in [span_start, t) — business time is a difference of two.
instant(g):  the earliest t with position(t) >= g — a deadline is one lookup.

Each lookup has a scalar form (bisect on Python lists: no numpy call overhead) and a
bulk form (bucketed searchsorted on numpy arrays); both read the same compiled data
and use the same formula.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from servicepact.slaclock.fastindex import BucketIndex, Int64Array

_FAR_PAST = -(1 << 60)


@dataclass(frozen=True, eq=False)
class Timeline:
    """Sorted, disjoint, non-touching open intervals [starts[i], ends[i]) in epoch seconds.

    ``cum[k]`` is the open time of the first k intervals; ``delta[k]`` is
    ``cum[k] - ends[k-1]`` (ends[-1] taken as the far past), which turns both lookups
    into a single gather: position = min(cum[k], t + delta[k]), instant = g - delta[j].
    """

    starts: Int64Array
    ends: Int64Array
    cum: Int64Array
    delta: Int64Array
    starts_index: BucketIndex
    cum_index: BucketIndex
    starts_list: list[int]
    ends_list: list[int]
    cum_list: list[int]
    delta_list: list[int]

    @classmethod
    def build(cls, starts: Int64Array, ends: Int64Array, origin: int, limit: int) -> Timeline:
        """Intervals must be sorted and disjoint and lie within [origin, limit]."""
        starts = _frozen(starts)
        ends = _frozen(ends)
        cum = _frozen(np.concatenate(([0], np.cumsum(ends - starts))))
        ends_before = np.concatenate(([_FAR_PAST], ends))
        delta = _frozen(cum - ends_before)
        return cls(
            starts=starts,
            ends=ends,
            cum=cum,
            delta=delta,
            starts_index=BucketIndex.build(starts, origin, limit),
            cum_index=BucketIndex.build(cum, 0, int(cum[-1])),
            starts_list=starts.tolist(),
            ends_list=ends.tolist(),
            cum_list=cum.tolist(),
            delta_list=delta.tolist(),
        )

    @property
    def total(self) -> int:
        return self.cum_list[-1]

    def position(self, t: int) -> int:
        k = bisect_left(self.starts_list, t)
        return min(self.cum_list[k], t + self.delta_list[k])

    def instant(self, g: int) -> int:
        """Valid for g <= total; for g <= 0 the result lies in the far past."""
        return g - self.delta_list[bisect_left(self.cum_list, g)]

    def positions(self, t: Int64Array) -> Int64Array:
        k = self.starts_index.count_less(t)
        result: Int64Array = self.delta.take(k)
        result += t
        # In place: these passes run over every row, and fewer temporaries pay off.
        return np.minimum(self.cum.take(k), result, out=result)

    def instants(self, g: Int64Array) -> Int64Array:
        result: Int64Array = self.delta.take(self.cum_index.count_less(g))
        return np.subtract(g, result, out=result)


def _frozen(values: npt.ArrayLike) -> Int64Array:
    array = np.ascontiguousarray(values, dtype=np.int64)
    array.setflags(write=False)
    return array
