"""Test support for every app's tests (the lowest layer, so any app may import it).

Instants: ``utc(2025, 6, 2, 10)``, ``ny(2025, 6, 9, 10)``; time control: ``Clock`` (the root
``clock`` fixture) freezes time-machine's clock at an instant and moves it on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

NY = "America/New_York"
NYZ = ZoneInfo(NY)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An instant in UTC: ``utc(2025, 6, 2, 10)``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An instant in New York local time: ``ny(2025, 6, 9, 10)``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=NYZ)


class Clock:
    """Moves time-machine's frozen clock: ``clock.at(ny(...))`` (the ``clock`` fixture)."""

    def __init__(self) -> None:
        self._traveller: Any = None

    def at(self, instant: datetime) -> None:
        self.stop()
        self._traveller = time_machine.travel(instant, tick=False)
        self._traveller.start()

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
