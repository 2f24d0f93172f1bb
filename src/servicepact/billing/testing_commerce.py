"""A contract with a rate card for the commercial tests (desk, portal, API and billing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from servicepact.billing.commercial import set_rate_card
from servicepact.billing.testing import manager
from servicepact.contracts.models import Contract
from servicepact.core.testing import Clock, ny
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import World, world


@dataclass
class Shop:
    world: World
    contract: Contract
    manager: Any
    ticket: Ticket


def shop(
    clock: Clock,
    *,
    code: str = "acme",
    fee: str = "3000",
    included: str = "10",
    start: date = date(2025, 1, 1),
    rollover: int = 0,
    ratio: str | None = "1.5",
    currency: str = "USD",
    markup: str = "20",
) -> Shop:
    """NY business hours (Mon-Fri 09-18); fee ``fee`` a month, ``included`` hours a month;
    rates remote 100, on site 150, travel 60 an hour; out of hours x1.5; parts at cost +
    ``markup`` %; scope: os-support
    included, app-dev billable, networking excluded. Time is left at Mon 2 Jun 2025 08:00."""
    clock.at(ny(2025, 6, 2, 8))
    w = world(code=code, start=start)
    Contract.objects.filter(pk=w.contract.pk).update(
        fee_amount=Decimal(fee), included_hours=Decimal(included), fee_currency=currency
    )
    contract = Contract.objects.select_related("customer", "plan__calendar").get(pk=w.contract.pk)
    boss = manager(f"{code}-manager")
    Contract.objects.filter(pk=contract.pk).update(service_manager=boss)
    contract.refresh_from_db()
    set_rate_card(
        version=contract.versions.get(number=1),
        actor=boss,
        rates={"remote": "100", "on_site": "150", "travel": "60"},
        multiplier="1.5",
        rollover_periods=rollover,
        conversion_ratio=ratio,
        parts_markup_percent=markup,
        scope=[
            ("os-support", "OS support", "included"),
            ("app-dev", "Application development", "billable"),
            ("networking", "Network troubleshooting", "excluded"),
        ],
    )
    ticket = ts.open_ticket(customer=w.customer, subject="Disk", opened_at=ny(2025, 6, 2, 8))
    return Shop(w, contract, boss, ticket)
