"""A second contract for billing.testing's June customer (the tests of the customer replay).

ACME-2: the same plan as ACME-1 (so a replay under it is the own-plan replay of both), a
monthly fee of 1000.00 USD and June's credit schedule (P1 on site 2 %, first response 1 %,
restore 1.5 %), covering a second asset, ``acme-srv02``. One P1 hardware ticket on it:

T8 P1, Tue 10 Jun 2025 09:00. Ack 10:00 (60 > 30: breached). On site 14:00 (300 > 240:
   breached). Restored 14:30 (330 > 240: breached). Resolved 15:00 (360 <= 480: met).

So ACME-2's June under its own plan: 4 clocks, 1 met, 3 breaches, credits 20 + 10 + 15 =
45.00 USD (no cap reached: 30 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from servicepact.assets.models import Asset, ContractLine
from servicepact.billing.testing import June, june_schedule, ny
from servicepact.contracts.models import Contract
from servicepact.contracts.services import create_contract
from servicepact.core.testing import Clock
from servicepact.core.time import now as current_time
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket


@dataclass
class Second:
    contract: Contract
    asset: Asset
    ticket: Ticket


def second_contract(june: June, clock: Clock) -> Second:
    """ACME-2 and T8 (module docstring); the time is put back where it was."""
    back = current_time()
    w = june.world
    contract = create_contract(
        number="ACME-2",
        customer=w.customer,
        plan=w.plan,
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
        fee_amount=Decimal("1000"),
    )
    june_schedule(contract)
    asset = Asset.objects.create(customer=w.customer, site=w.site, hostname="acme-srv02")
    ContractLine.objects.create(contract=contract, asset=asset, start_date=date(2025, 1, 1))
    clock.at(ny(2025, 6, 10, 9))
    t = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=asset, subject="Array down", impact=1,
        urgency=1,
    )  # fmt: skip
    for at, step in (
        (ny(2025, 6, 10, 10), ts.acknowledge_ticket),
        (ny(2025, 6, 10, 14), ts.record_onsite_arrival),
        (ny(2025, 6, 10, 14, 30), ts.record_restore),
    ):
        clock.at(at)
        t = step(ticket=t, actor=w.agent)
    clock.at(ny(2025, 6, 10, 15))
    t = ts.resolve_ticket(ticket=t, actor=w.agent, resolution="Controller")
    clock.at(back)
    assert t.contract_id == contract.pk
    return Second(contract, asset, t)
