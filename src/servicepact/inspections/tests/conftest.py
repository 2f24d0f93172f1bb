from __future__ import annotations

import struct
import zlib
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from servicepact.core.testing import utc
from servicepact.inspections.checks import Expectation, ItemSpec
from servicepact.inspections.services import create_inspection_plan
from servicepact.tickets.testing import World, login, world

QUARTERLY = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYSETPOS=1"


@pytest.fixture
def acme(db: Any) -> World:
    """Acme (New York, contract ACME-1 from 2025-01-01, asset acme-srv01)."""
    return world(code="acme")


@pytest.fixture
def nord(db: Any) -> World:
    """Nord (Europe/Berlin, contract NORD-1, asset nord-srv01)."""
    return world(code="nord", tz="Europe/Berlin")


def checklist() -> list[ItemSpec]:
    return [
        ItemSpec(
            label="Inlet temperature",
            expectation=Expectation(
                kind="number", min_value=Decimal("18"), max_value=Decimal("27"), unit="°C"
            ),
        ),
        ItemSpec(
            label="Fans spin freely", expectation=Expectation(kind="yesno", expected_yes=True)
        ),
        ItemSpec(label="BMC firmware", expectation=Expectation(kind="text", expected_text="2.4.1")),
    ]


def make_plan(
    w: World,
    *,
    rrule: str = QUARTERLY,
    starts_on: date = date(2025, 1, 1),
    at: time = time(9, 0),
    with_asset: bool = True,
) -> Any:
    return create_inspection_plan(
        name="Quarterly check",
        rrule=rrule,
        starts_on=starts_on,
        time_of_day=at,
        contract=w.contract,
        assets=[w.asset] if with_asset else [],
        items=checklist(),
    )


def png() -> bytes:
    """A real 1x1 white PNG (a drawn signature as small as it gets)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


__all__ = ["QUARTERLY", "checklist", "login", "make_plan", "png", "utc"]
