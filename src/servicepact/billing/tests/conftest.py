from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine


class Clock:
    """Moves time-machine's frozen clock: ``clock.at(ny(...))`` (tick=False)."""

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
def clock() -> Iterator[Clock]:
    c = Clock()
    yield c
    c.stop()
