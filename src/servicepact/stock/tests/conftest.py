"""A shop (contract in USD with a rate card, an open hardware ticket on acme-srv01), a depot
and a catalogue part costing 80.00 USD. Time: Mon 2 Jun 2025 08:00 New York (EDT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from servicepact.billing.testing_commerce import Shop, shop
from servicepact.fieldservice.models import Depot
from servicepact.stock import services
from servicepact.stock.models import Part


@dataclass
class Stocked:
    shop: Shop
    depot: Depot
    part: Part
    agent: Any

    @property
    def ticket(self) -> Any:
        return self.shop.ticket


def stocked(clock: Any, *, code: str = "acme", received: int = 0) -> Stocked:
    s = shop(clock, code=code)
    agent = s.world.agent
    depot = services.create_depot(name=f"{code} depot", timezone="America/New_York", actor=agent)
    part = services.create_part(
        part_number=f"PSU-{code}",
        description="Power supply 800 W",
        unit_cost="80.00",
        currency="USD",
        compatible_models=["R740", "R750"],
        delivery_days=2,
        actor=agent,
    )
    if received:
        services.receive_stock(part=part, depot=depot, quantity=received, actor=agent)
    return Stocked(s, depot, part, agent)


@pytest.fixture
def st(db, clock) -> Stocked:
    return stocked(clock, received=5)
