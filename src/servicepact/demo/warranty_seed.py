"""Demo warranties (docs/field-service.md): Globex's spare MES server gx-mes22 is on no
contract line but under a manufacturer's Gold 7x24x4 warranty, with an open hardware ticket
whose 4-hour on-site clock runs on the warranty tier and a Lenovo back-to-back clock (8 h
restore with the replacement part) beside it; Acme's servers carry Standard NBD
manufacturer warranties (their Gold contract is stricter and wins), two of them ending soon
for the desk's "expiring soon" list and the expiry alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from servicepact.assets.choices import VendorKind, WarrantySource
from servicepact.assets.services import create_vendor_contract, create_warranty
from servicepact.contracts.catalogue import ensure_catalogue
from servicepact.contracts.choices import Metric
from servicepact.core.time import now as current_time
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, Channel

if TYPE_CHECKING:
    from servicepact.demo.seed import DemoCustomer


def seed_warranties(
    customers: list[DemoCustomer], staff: dict[str, Any], progress: Callable[[str], None]
) -> None:
    acme, globex = customers[0], customers[1]
    cat = ensure_catalogue()
    moment = current_time()
    today = moment.date()
    spare = globex.assets[-1]  # gx-mes22: not on GLOBEX-NBD-001 (seed._build_customers)
    bought = today - timedelta(days=400)
    create_warranty(
        asset=spare,
        plan=cat.gold,
        source=WarrantySource.MANUFACTURER,
        reference="LNV-GOLD-3Y-22",
        parts_start=bought,
        parts_end=bought + timedelta(days=3 * 365),
        labour_start=bought,
        labour_end=bought + timedelta(days=3 * 365),
        onsite_start=bought,
        onsite_end=bought + timedelta(days=3 * 365),
    )
    create_vendor_contract(
        vendor="Lenovo",
        kind=VendorKind.MANUFACTURER,
        calendar=cat.always,
        start_date=bought,
        end_date=bought + timedelta(days=3 * 365),
        # The vendor's promise: the replacement part delivered and fitted within 8 hours.
        targets={Metric.RESTORE: 480},
        assets=[spare],
        reference="LNV-B2B-2025",
    )
    # P2 hardware, opened 70 minutes ago: on-site (4 h, 24x7 on the Gold tier) at ~29 %.
    ticket = ts.open_ticket(
        customer=globex.customer,
        contact=globex.contact,
        asset=spare,
        category=Category.HARDWARE,
        subject="gx-mes22: RAID controller reports a failed battery, write cache off",
        impact=2,
        urgency=2,
        opened_at=moment - timedelta(minutes=70),
        channel=Channel.PHONE,
        description="MES standby server; the controller battery failed during the night.",
    )
    ts.acknowledge_ticket(ticket=ticket, actor=staff["agent"], at=moment - timedelta(minutes=55))
    for i, asset in enumerate(acme.assets[:6]):
        start = today - timedelta(days=700 + 30 * i)
        # Two of them end within the alert distance (60 and 80 days from today).
        end = today + timedelta(days=60 + 20 * i) if i < 2 else start + timedelta(days=5 * 365)
        create_warranty(
            asset=asset,
            plan=cat.standard_nbd,
            source=WarrantySource.MANUFACTURER,
            parts_start=start,
            parts_end=end,
            labour_start=start,
            labour_end=end,
            onsite_start=start,
            onsite_end=end,
        )
    progress("warranties: gx-mes22 under Gold 7x24x4 (no contract) with a Lenovo clock")
