"""Project-wide pytest set-up."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_calendar_cache() -> None:
    """Compiled calendars are cached per process by (id, revision); test DBs reuse ids."""
    from servicepact.contracts.calendars import clear_cache

    clear_cache()
