"""Desk pages of spare parts (desk/stock_pages.py) on the demo's stock: balances with low
stock marked, a part's ledger, RMAs, loaners with the overdue ones; a contact gets a 404."""

from __future__ import annotations

from datetime import timedelta

from servicepact.stock.examples import seed_stock
from servicepact.stock.models import Loaner, Part
from servicepact.tickets import services as ts

from .conftest import ny


def _seed(acme):
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=2)
    seed_stock(customer=acme.customer, ticket=ticket, agent=acme.agent)
    return ticket


def test_stock_pages(clock, acme, agent_client, contact_client):
    """Demo stock: PSU 4 received, 1 consumed -> 3 available (threshold 2, fine); the SSD 1
    available at Newark with threshold 2 -> low, the only row of ``?low=1``."""
    clock.at(ny(2025, 7, 15, 9))
    _seed(acme)
    page = agent_client.get("/desk/stock/")
    assert page.status_code == 200
    rows = [(b.part.part_number, b.available, b.available < b.low_stock_threshold)
            for b in page.context["page"].items]  # fmt: skip
    assert rows == [("865414-B21", 3, False), ("P04499-B21", 1, True)]
    assert "low stock" in page.content.decode()
    low = agent_client.get("/desk/stock/", {"low": "1"})
    assert [b.part.part_number for b in low.context["page"].items] == ["P04499-B21"]
    psu = Part.objects.get(part_number="865414-B21")
    ledger = agent_client.get(f"/desk/stock/parts/{psu.pk}/")
    kinds = [m.kind for m in ledger.context["page"].items]
    assert kinds == ["sent_to_vendor", "returned_faulty", "consumed", "reserved", "received"]
    rmas = agent_client.get("/desk/stock/rmas/").content.decode()
    assert "5WBXK0A4DAV1B3" in rmas and "HPE-RMA-88213" in rmas
    loaners = agent_client.get("/desk/stock/loaners/")
    assert loaners.context["overdue_count"] == 0
    for path in (
        "/desk/stock/",
        f"/desk/stock/parts/{psu.pk}/",
        "/desk/stock/rmas/",
        "/desk/stock/loaners/",
    ):
        assert contact_client.get(path).status_code == 404


def test_an_overdue_loaner_is_marked(clock, acme, agent_client):
    clock.at(ny(2025, 7, 15, 9))
    _seed(acme)
    loan = Loaner.objects.get()
    Loaner.objects.filter(pk=loan.pk).update(due_back_on=loan.lent_on)  # due the day it was lent
    clock.at(ny(2025, 7, 15, 9) + timedelta(days=2))
    page = agent_client.get("/desk/stock/loaners/", {"overdue": "1"})
    assert [x.pk for x in page.context["page"].items] == [loan.pk]
    assert "overdue" in page.content.decode()
