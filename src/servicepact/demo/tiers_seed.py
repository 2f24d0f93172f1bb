"""Demo data of the tier comparison: the hardware customer's two vendor offers (standard NBD
3 years against an upgrade to gold 7x24x4) and its cost of an hour of downtime, so the desk's
"Vendor offers and TCO" and "Compare tiers" pages show numbers (docs/tier-replay.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servicepact.contracts.models import Contract
from servicepact.tiers.choices import DeliveredBy
from servicepact.tiers.services import create_offer, set_downtime_cost

Progress = Callable[[str], None]


def seed_tiers(hardware: Any, gold: Contract, progress: Progress) -> None:
    """``hardware``: the demo customer on Standard NBD; ``gold``: a contract on Gold 7x24x4."""
    contract = hardware.contract
    currency = contract.fee_currency
    set_downtime_cost(
        customer=hardware.customer,
        cost_per_hour="8000",
        currency=currency,
        service="Production line MES",
    )
    common = {
        "vendor": "Lenovo",
        "model": "ThinkSystem SR650 V3",
        "quantity": 4,
        "hardware_price": "98000",
        "currency": currency,
        "warranty_years": 3,
        "warranty_plan": contract.plan,
        "repair_cost": "6500",
        "service_points": 3,
    }
    create_offer(
        customer=hardware.customer,
        **common,
        delivered_by=DeliveredBy.RESELLER,
        extension_prices=["9000", "11000"],
    )
    create_offer(
        customer=hardware.customer,
        **common,
        delivered_by=DeliveredBy.MANUFACTURER,
        upgrade_plan=gold.plan,
        upgrade_price="21000",
        extension_prices=["15000", "18000"],
    )
    progress("vendor offers: standard NBD 3 years and the gold 7x24x4 upgrade")
