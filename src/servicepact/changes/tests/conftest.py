from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def frozen():
    """Time stands still at Monday 9 June 2025 09:00 New York."""
    with time_machine.travel(ny(2025, 6, 9, 9), tick=False):
        yield
