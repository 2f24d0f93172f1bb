"""The audit export writer does not hold the month's rows: its peak memory (tracemalloc)
for a contract-month of 6,000 tickets stays well under the peak for 1,500 tickets times 4.

The tickets come from the benchmarks' generator (bench/_scale_data.py, bulk INSERTs), so
the two contracts differ only in size. What still grows with the month is shared with the
statement page: the decided clocks (``billing.facts``, numpy columns) and the statement
snapshot written as statement.json (about 1 KB a ticket together). Measured when this test
was written, 2k -> 8k tickets: 9.0 -> 15.1 MB (x1.7); the former in-memory export (every
member built as one string, then the zip in a BytesIO) went 47 -> 186 MB (x3.9).
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicepact.contracts.models import Contract
from servicepact.reports.audit import write_audit_export

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[4] / "bench"
NOW = datetime(2025, 7, 2, 12, tzinfo=UTC)


def _peak_bytes(contract: Contract) -> tuple[int, int]:
    """(tracemalloc peak while writing the export into a temporary file, clocks written)."""
    with tempfile.TemporaryFile() as sink:
        tracemalloc.start()
        try:
            total = 0
            for step in write_audit_export(contract, "2025-06", sink, now=NOW):
                total = step.total
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak, total


def test_peak_memory_does_not_grow_with_the_month():
    sys.path.insert(0, str(BENCH))
    try:
        scale = importlib.import_module("_scale_data")  # bench/, outside the package
    finally:
        sys.path.remove(str(BENCH))
    catalogue, epoch, populate = scale.catalogue, scale.epoch, scale.populate
    fix = catalogue(2)
    # 6,000 tickets on the first contract, 1,500 on the second.
    populate(7_500, fix, epoch(NOW), contract_tickets=6_000)
    big, small = (Contract.objects.get(pk=row[0]) for row in fix["contracts"])
    _peak_bytes(small)  # first use: imports, caches
    small_peak, small_rows = _peak_bytes(small)
    big_peak, big_rows = _peak_bytes(big)
    assert big_rows > 3.5 * small_rows > 0  # the months really differ 4x
    # Rows held in memory would make this about 4x (3.9x before); chunks keep it under 2x.
    assert big_peak < 2 * small_peak, (small_peak, big_peak)
