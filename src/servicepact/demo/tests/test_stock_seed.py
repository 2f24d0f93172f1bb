"""The demo's spare parts (stock/examples.py) on a test world: the PSU reserved, delivered
and fitted on the hardware ticket (one part use), the faulty one under an RMA sent to the
vendor, one low-stock alert, and a standby machine the customer sees on the portal."""

from __future__ import annotations

from servicepact.billing.models import PartUse
from servicepact.core.testing import ny
from servicepact.stock.choices import ReservationStatus, RmaStatus
from servicepact.stock.examples import seed_stock
from servicepact.stock.models import Reservation, Rma
from servicepact.stock.selectors import loaners_for
from servicepact.tickets import services as ts
from servicepact.tickets.testing import acme  # noqa: F401 (fixture)


def test_demo_stock(clock, acme, client):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    ticket = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="Redundant PSU failed", priority=2
    )
    seed_stock(customer=acme.customer, ticket=ticket, agent=acme.agent)
    assert Reservation.objects.get().status == ReservationStatus.CONSUMED
    use = PartUse.objects.get()
    assert (use.ticket, use.part_number, use.quantity) == (ticket, "865414-B21", 1)
    assert Rma.objects.get().status == RmaStatus.SENT
    mine = loaners_for(acme.contact.user)
    assert [loan.asset.hostname for loan in mine] == ["standby-dl380-01"]
    client.force_login(acme.contact.user)
    page = client.get("/portal/loaners/").content.decode()
    assert "standby-dl380-01" in page and "5WBXK0A4DAV1B3" in page
