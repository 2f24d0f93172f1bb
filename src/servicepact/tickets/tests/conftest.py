from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


class Clock:
    """Moves time-machine's frozen clock: ``clock.at(ny(...))``."""

    def __init__(self) -> None:
        self._traveller: time_machine.travel | None = None

    def at(self, instant: datetime) -> None:
        self.stop()
        self._traveller = time_machine.travel(instant, tick=False)
        self._traveller.start()

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.stop()
