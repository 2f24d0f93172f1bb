from __future__ import annotations

import pytest

from servicepact.core.testing import Clock, ny


@pytest.fixture
def frozen(clock: Clock) -> None:
    """Time stands still at Monday 9 June 2025 09:00 New York."""
    clock.at(ny(2025, 6, 9, 9))
