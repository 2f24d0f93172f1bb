"""The statement's faster paths (issue 12) give exactly what the plain computation gives:
breach instants and durations formatted at once, the trend's availability skipped for months
no contract line covers, unique ids by sorting, calendars compiled from the cache."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from servicepact.assets.models import ContractLine
from servicepact.billing.availability import measure
from servicepact.billing.clockdata import unique_ints
from servicepact.billing.periods import Period
from servicepact.billing.testing import june_month, ny
from servicepact.core.time import format_duration
from servicepact.reports.statement import build_statement, format_durations, iso_utc

pytestmark = pytest.mark.django_db


def test_format_durations_equal_format_duration_one_by_one():
    values = [0, 1, 59, 60, 61, 3599, 3600, 3661, 86399, 86400, 90061, 10 * 86400 + 5, -1, -59,
              -60, -3600, -86400 - 61, 2**40]  # fmt: skip
    rng = np.random.default_rng(12)
    values += rng.integers(-(10**7), 10**7, 2000).tolist()
    assert format_durations(np.array(values)) == [format_duration(v) for v in values]
    assert format_durations(np.zeros(0, dtype=np.int64)) == []


def test_iso_utc_equals_isoformat_one_by_one():
    rng = np.random.default_rng(7)
    epochs = [0, 1, 1_751_328_000, 4_102_444_799, *rng.integers(0, 4 * 10**9, 2000).tolist()]
    assert iso_utc(np.array(epochs)) == [datetime.fromtimestamp(e, UTC).isoformat() for e in epochs]


def test_unique_ints_equal_numpy_unique():
    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 5, 24_000):
        values = rng.integers(-50, 5_000, size)
        assert np.array_equal(unique_ints(values), np.unique(values))


@pytest.fixture
def june(clock):
    return june_month(clock)


def _trend_availability_by_measuring(contract, snapshot):
    """What the trend's availability was before: ``measure`` for every month from the
    contract's start (but the statement's own month, taken from its figures)."""
    started = Period(contract.start_date.year, contract.start_date.month)
    out = []
    for text in snapshot["trend"]["months"][:-1]:
        month = Period.parse(text)
        result = measure(contract, month) if month >= started else None
        value = None if result is None else result.availability_percent
        out.append(None if value is None else str(value))
    return [*out, snapshot["availability"].get("percent")]


def test_trend_availability_equals_measuring_each_month(june, clock):
    """The asset's line covers March to mid-April and June on: the other months have no
    percentage, the covered ones theirs, exactly as measuring each month gives."""
    contract = june.contract
    line = ContractLine.objects.get(contract=contract)
    ContractLine.objects.filter(pk=line.pk).update(
        start_date=date(2025, 3, 1), end_date=date(2025, 4, 15)
    )
    ContractLine.objects.create(contract=contract, asset=line.asset, start_date=date(2025, 6, 1))
    clock.at(ny(2025, 7, 1, 12))
    snapshot = build_statement(contract, "2025-07")
    trend = snapshot["trend"]["availability_percent"]
    assert trend == _trend_availability_by_measuring(contract, snapshot)
    months = snapshot["trend"]["months"]
    assert trend[months.index("2025-02")] is None  # no line
    assert trend[months.index("2025-03")] is not None
    assert trend[months.index("2025-04")] is not None  # covered until the 15th
    assert trend[months.index("2025-05")] is None
    assert trend[months.index("2025-06")] is not None


def test_trend_availability_without_any_line(june, clock):
    ContractLine.objects.filter(contract=june.contract).delete()
    clock.at(ny(2025, 7, 1, 12))
    snapshot = build_statement(june.contract, "2025-07")
    assert snapshot["trend"]["availability_percent"] == _trend_availability_by_measuring(
        june.contract, snapshot
    )
