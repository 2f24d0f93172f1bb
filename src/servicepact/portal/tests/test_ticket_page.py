"""The contact's ticket page: public conversation, confirm a resolution or reopen it."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind, Status
from servicepact.tickets.models import TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(clock, acme):
    clock.at(ny(2025, 3, 3, 10))
    return ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.asset,
        subject="Uplink",
        priority=2,
        category=Category.NETWORK,
    )


@pytest.fixture
def resolved(ticket, acme, clock):
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 3, 3, 11))
    return ts.resolve_ticket(ticket=ticket, actor=acme.agent, resolution="Optic replaced")


def test_the_page_shows_deadlines_in_the_contacts_zone(ticket, contact_client):
    html = contact_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert (
        "Mon 3 Mar, 11:00 America/New_York (UTC-05:00)" in html
    )  # P2 first response: 60 business minutes
    assert "In your time zone (America/New_York)" in html


def test_the_contact_adds_a_public_comment(ticket, contact_client):
    response = contact_client.post(
        f"/portal/tickets/{ticket.pk}/comment/", {"comment-body": "Console access granted"}
    )
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/#comments"
    comment = ticket.comments.get()
    assert (comment.body, comment.is_internal) == ("Console access granted", False)
    response = contact_client.post(f"/portal/tickets/{ticket.pk}/comment/", {"comment-body": ""})
    assert response.status_code == 422
    assert ticket.comments.count() == 1


def test_waiting_on_the_customer_is_explained(ticket, acme, contact_client):
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    ts.pause_ticket(ticket=ticket, actor=acme.agent, reason="Please send the switch logs")
    html = contact_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "We are waiting for you" in html
    assert "Please send the switch logs" in html


def test_confirming_a_resolution_closes_the_ticket(resolved, contact_client):
    html = contact_client.get(f"/portal/tickets/{resolved.pk}/").content.decode()
    assert "Is the problem solved?" in html
    response = contact_client.post(f"/portal/tickets/{resolved.pk}/close/")
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED


def test_reopening_needs_a_reason(resolved, contact_client):
    events = TicketEvent.objects.count()
    response = contact_client.post(f"/portal/tickets/{resolved.pk}/reopen/", {"reopen-reason": ""})
    assert response.status_code == 422
    assert "say why the ticket is reopened" in response.content.decode()
    assert TicketEvent.objects.count() == events
    response = contact_client.post(
        f"/portal/tickets/{resolved.pk}/reopen/", {"reopen-reason": "Packet loss is back"}
    )
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == Status.IN_PROGRESS
    assert resolved.events.get(kind=EventKind.REOPENED).data["reason"] == "Packet loss is back"


def test_closing_an_open_ticket_is_refused_with_409(ticket, contact_client):
    events = TicketEvent.objects.count()
    response = contact_client.post(f"/portal/tickets/{ticket.pk}/close/")
    assert response.status_code == 409
    assert "cannot close" in response.content.decode()
    assert TicketEvent.objects.count() == events


def test_contract_and_asset_pages(ticket, acme, contact_client):
    html = contact_client.get(f"/portal/contracts/{acme.contract.pk}/").content.decode()
    assert "Response and resolution targets" in html
    assert "Ends 31 Dec 2026 unless renewed" in html
    html = contact_client.get(f"/portal/assets/{acme.asset.pk}/").content.decode()
    assert acme.contract.number in html
    assert ticket.number in html
