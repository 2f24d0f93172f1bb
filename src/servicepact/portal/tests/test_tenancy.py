"""A contact sees only its own customer's data, never internal comments or events: another
customer's ticket, asset or contract is a 404, exactly as a missing one."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket

from .conftest import login, ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(clock, acme, globex):
    clock.at(ny(2025, 3, 3, 10))
    mine = ts.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="Acme disk"
    )
    theirs = ts.open_ticket(
        customer=globex.customer,
        contact=globex.contact,
        asset=globex.asset,
        subject="Globex secret outage",
    )
    return mine, theirs


def test_other_customers_pages_are_404(tickets, acme, globex, contact_client):
    _mine, theirs = tickets
    for url in (
        f"/portal/tickets/{theirs.pk}/",
        f"/portal/assets/{globex.asset.pk}/",
        f"/portal/contracts/{globex.contract.pk}/",
        "/portal/tickets/999999/",
    ):
        assert contact_client.get(url).status_code == 404, url


def test_other_customers_actions_are_404_and_write_nothing(tickets, globex, contact_client):
    _mine, theirs = tickets
    for action in ("comment", "close", "reopen"):
        response = contact_client.post(
            f"/portal/tickets/{theirs.pk}/{action}/", {"comment-body": "hi", "reopen-reason": "x"}
        )
        assert response.status_code == 404, action
    assert not theirs.comments.exists()


def test_lists_show_only_the_own_customer(tickets, globex, contact_client):
    html = contact_client.get("/portal/?show=all").content.decode()
    assert "Acme disk" in html
    assert "Globex secret outage" not in html
    assets = contact_client.get("/portal/assets/").content.decode()
    assert globex.asset.hostname not in assets
    contracts = contact_client.get("/portal/contracts/").content.decode()
    assert globex.contract.number not in contracts


def test_internal_comments_and_events_never_reach_the_portal(tickets, acme, contact_client):
    mine, _theirs = tickets
    ts.assign_ticket(ticket=mine, actor=acme.agent, assignee=acme.agent)
    ts.add_comment(
        ticket=mine, author=acme.agent, body="Customer is on a payment hold", internal=True
    )
    ts.add_comment(ticket=mine, author=acme.agent, body="Engineer is on the way")
    html = contact_client.get(f"/portal/tickets/{mine.pk}/").content.decode()
    assert "Engineer is on the way" in html
    assert "payment hold" not in html
    assert "Internal note" not in html
    assert "Assigned to" not in html


def test_a_contact_cannot_file_a_ticket_on_another_customers_asset(tickets, globex, contact_client):
    before = Ticket.objects.count()
    response = contact_client.post(
        "/portal/tickets/new/",
        {
            "asset": globex.asset.pk,
            "category": "hardware",
            "subject": "x",
            "impact": 1,
            "urgency": 1,
        },
    )
    assert response.status_code == 422
    assert Ticket.objects.count() == before
    preview = contact_client.get(
        "/portal/tickets/preview/",
        {"asset": globex.asset.pk, "category": "hardware", "impact": 1, "urgency": 1},
    ).content.decode()
    assert globex.contract.number not in preview


def test_a_contact_of_the_other_customer_sees_its_own_only(tickets, globex):
    mine, theirs = tickets
    client = login(globex.contact.user)
    assert client.get(f"/portal/tickets/{mine.pk}/").status_code == 404
    assert client.get(f"/portal/tickets/{theirs.pk}/").status_code == 200
