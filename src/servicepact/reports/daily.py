"""Decided clocks tallied per contract, metric and priority: the dashboard's building block.

A closed day (in the provider's time zone, settings.TIME_ZONE) is frozen by the worker as
``DailyAggregate`` rows, decided as of the day's end (as a statement freezes a month as of
its end); the dashboard adds up the closed days of the month from those rows and computes
only the rest (today, or days the worker has not reached yet) from the clocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from servicepact.billing.clockdata import ClockSet, load_clocks
from servicepact.contracts.metrics import metric_codes
from servicepact.core.time import day_bounds as day_bounds  # re-exported (the dashboard)

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Tally:
    """Parallel arrays, one entry per (contract, metric index, priority) with its counts.

    The metric index is a position in ``contracts.metrics.metric_codes()`` (the order a
    ClockSet's ``metric`` array uses too)."""

    contract_id: Array
    metric: Array
    priority: Array
    decided: Array
    breached: Array

    def __len__(self) -> int:
        return int(self.contract_id.size)

    @classmethod
    def empty(cls) -> Tally:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none, none)

    @classmethod
    def of_clocks(cls, clocks: ClockSet) -> Tally:
        """The decided clocks of ``clocks`` (all of them are counted) grouped."""
        ones = np.ones(len(clocks), dtype=np.int64)
        return _grouped(
            clocks.contract_id, clocks.metric, clocks.priority, ones, clocks.breached.astype(int)
        )

    @classmethod
    def of_rows(cls, rows: Iterable[tuple[int, str, int, int, int]]) -> Tally:
        """(contract id, metric name, priority, decided, breached) rows, e.g. from SQL."""
        index = {m: i for i, m in enumerate(metric_codes())}
        data = [(c, index[m], p, d, b) for c, m, p, d, b in rows if m in index]
        if not data:
            return cls.empty()
        cols = np.array(data, dtype=np.int64).reshape(-1, 5).T
        return _grouped(*cols)

    def __add__(self, other: Tally) -> Tally:
        return _grouped(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _FIELDS))

    def rows(self) -> list[tuple[int, str, int, int, int]]:
        codes = metric_codes()
        return [
            (c, codes[m], p, d, b)
            for c, m, p, d, b in zip(*(getattr(self, f).tolist() for f in _FIELDS), strict=True)
        ]


_FIELDS = ("contract_id", "metric", "priority", "decided", "breached")


def _grouped(
    contract_id: Array, metric: Array, priority: Array, decided: Array, breached: Array
) -> Tally:
    if contract_id.size == 0:
        return Tally.empty()
    keys = np.stack([contract_id, metric, priority], axis=1).astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    size = unique.shape[0]
    return Tally(
        unique[:, 0].copy(),
        unique[:, 1].copy(),
        unique[:, 2].copy(),
        np.bincount(inverse, weights=decided, minlength=size).astype(np.int64),
        np.bincount(inverse, weights=breached, minlength=size).astype(np.int64),
    )


def decided_tally(
    since: datetime,
    until: datetime,
    *,
    cutoff: datetime | None = None,
    clock_ids: Sequence[int] | None = None,
) -> Tally:
    """Every contract's clocks decided in [since, until), as of ``cutoff`` (default ``until``);
    with ``clock_ids``, only those clocks."""
    cut = cutoff or until
    clocks = load_clocks(since=since, cutoff=cut, clock_ids=clock_ids)
    return Tally.of_clocks(clocks.take(clocks.decided_between(since, until)))
