"""The demo's warranties (demo/warranty_seed.py): the hardware customer's spare server, on no
contract line, is covered by its Gold 7x24x4 warranty and its open hardware ticket has a
4-hour on-site clock, with the vendor's 8-hour clock beside it. (Run on the test worlds.)"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from servicepact.assets.models import Asset, WarrantyEntitlement
from servicepact.core.testing import ny
from servicepact.demo.warranty_seed import seed_warranties
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.testing import acme, globex  # noqa: F401 (fixtures)
from servicepact.tickets.vendor_clocks import vendor_clocks


def test_demo_gold_warranty_without_a_contract_has_a_4_hour_on_site_clock(clock, acme, globex):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    spare = Asset.objects.create(customer=globex.customer, site=globex.site, hostname="gx-mes22")
    customers = [
        SimpleNamespace(assets=[acme.asset]),
        SimpleNamespace(customer=globex.customer, contact=globex.contact, assets=[spare]),
    ]
    seed_warranties(customers, {"agent": acme.agent}, lambda _: None)
    ticket = Ticket.objects.get(asset=spare)
    assert (ticket.coverage, ticket.contract, ticket.priority) == ("warranty", None, 2)
    assert ticket.warranty.plan.name == "Gold 7x24x4"
    on_site = SlaClock.objects.get(ticket=ticket, metric="on_site")
    assert (on_site.target_seconds, on_site.deadline_at) == (
        14400,
        ticket.opened_at + timedelta(hours=4),
    )
    [lenovo] = vendor_clocks(ticket, ny(2025, 7, 15, 9))
    assert (lenovo.vendor_contract.vendor, lenovo.term.target_seconds) == ("Lenovo", 28800)
    assert (
        WarrantyEntitlement.objects.filter(asset=acme.asset, plan__code="standard-nbd").count() == 1
    )
