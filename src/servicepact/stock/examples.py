"""An example stock, the demo's (demo/seed.py) and the desk and portal page tests' (issue 18): the Ashburn depot with stock, the replacement PSU
reserved for the demo hardware ticket, delivered and fitted (one part use, charged at the
close unless under warranty), the faulty PSU returned to the vendor under an RMA, and a
standby machine of ours lent to the hardware customer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from servicepact.assets.models import Asset
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.customers.models import Customer
from servicepact.stock import services
from servicepact.stock.choices import RmaStatus
from servicepact.stock.depots import all_depots
from servicepact.tickets.models import Ticket

PSU = "865414-B21"


def seed_stock(
    *, customer: Customer, ticket: Ticket, agent: Any, progress: Any = lambda _: None
) -> None:
    # The engineers' home depot (demo/dispatch_seed.py) keeps the spare parts too.
    depot = all_depots().filter(name="Ashburn depot").first() or services.create_depot(
        name="Ashburn depot",
        address="21715 Filigree Ct, Ashburn, VA 20147",
        timezone="America/New_York",
        actor=agent,
    )
    north = services.create_depot(name="Newark depot", timezone="America/New_York", actor=agent)
    psu = services.create_part(
        part_number=PSU,
        description="HPE 800 W Flex Slot Platinum hot-plug power supply",
        unit_cost="189.00",
        currency=customer.contracts.values_list("fee_currency", flat=True).first() or "USD",
        compatible_models=["ProLiant DL360 Gen10", "ProLiant DL380 Gen10"],
        delivery_days=2,
        actor=agent,
    )
    disk = services.create_part(
        part_number="P04499-B21",
        description="HPE 1.92 TB SATA SSD",
        unit_cost="412.00",
        currency=psu.currency,
        compatible_models=["ProLiant DL380 Gen10"],
        delivery_days=5,
        actor=agent,
    )
    services.receive_stock(part=psu, depot=depot, quantity=4, actor=agent, reason="PO 4471")
    services.receive_stock(part=disk, depot=north, quantity=1, actor=agent, reason="PO 4472")
    services.set_threshold(part=psu, depot=depot, threshold=2, actor=agent)
    services.set_threshold(part=disk, depot=north, threshold=2, actor=agent)  # low: one alert
    reserved = services.reserve_part(ticket=ticket, part=psu, depot=depot, quantity=1, actor=agent)
    services.deliver_reservation(reservation=reserved, actor=agent)
    services.consume_reservation(reservation=reserved, actor=agent)
    if ticket.asset is not None:
        rma = services.open_rma(
            ticket=ticket,
            part=psu,
            depot=depot,
            faulty_serial="5WBXK0A4DAV1B3",
            replacement_serial="5WBXK0C7JBS2QP",
            actor=agent,
        )
        services.advance_rma(
            rma=rma, status=RmaStatus.SENT, vendor_reference="HPE-RMA-88213", actor=agent
        )
    pool, _ = Customer.objects.get_or_create(
        code="standby", defaults={"name": "Standby pool (provider)", "timezone": "UTC"}
    )
    machine = Asset.objects.create(
        customer=pool, hostname="standby-dl380-01", model="ProLiant DL380 Gen10", vendor="HPE"
    )
    today = local_date(current_time(), customer.timezone)
    services.lend_loaner(
        asset=machine,
        customer=customer,
        ticket=ticket,
        lent_on=today - timedelta(days=1),
        due_back_on=today + timedelta(days=13),
        note="While the PSU fault of acme-web04 is watched for a week.",
        actor=agent,
    )
    progress("spare parts: 2 depots, 2 parts, 1 reservation consumed, 1 RMA, 1 loaner")
