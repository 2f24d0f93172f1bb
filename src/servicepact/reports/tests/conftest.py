"""The reports tests use the project's ``clock`` fixture and plain static storage (root conftest.py)."""

from __future__ import annotations

import pytest

from servicepact.billing.testing import june_month, ny


@pytest.fixture
def june(clock):
    """Acme's June (billing.testing.june_month), the clock on 2 July 09:00 New York."""
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    return june
