"""The portal's loaners and RMAs page: the customer's own standby machines and part returns,
never another customer's."""

from __future__ import annotations

from servicepact.stock.examples import seed_stock
from servicepact.tickets import services as ts
from servicepact.tickets.testing import login, ny


def test_loaners_and_rmas_of_the_customer_only(clock, acme, globex, contact_client):
    clock.at(ny(2025, 7, 15, 9))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=2)
    seed_stock(customer=acme.customer, ticket=ticket, agent=acme.agent)
    mine = contact_client.get("/portal/loaners/")
    html = mine.content.decode()
    assert mine.status_code == 200
    assert "standby-dl380-01" in html and "5WBXK0A4DAV1B3" in html and "5WBXK0C7JBS2QP" in html
    theirs = login(globex.contact.user).get("/portal/loaners/").content.decode()
    assert "standby-dl380-01" not in theirs and "5WBXK0A4DAV1B3" not in theirs
