"""The contact answers a proposed solution from the portal (accept or decline), finds what waits
for its confirmation from the home page, and cannot send an endless comment."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind, Status
from servicepact.tickets.models import Comment, Ticket, TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(clock, acme):
    clock.at(ny(2025, 3, 3, 10))
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.asset,
        subject="Uplink",
        priority=2,
        category=Category.NETWORK,
    )
    ts.acknowledge_ticket(ticket=t, actor=acme.agent)
    return ts.propose_solution(ticket=t, actor=acme.agent, solution="Replace the optic")


def test_the_proposal_offers_accept_and_decline(proposed, contact_client):
    html = contact_client.get(f"/portal/tickets/{proposed.pk}/").content.decode()
    assert "Replace the optic" in html
    assert f'action="/portal/tickets/{proposed.pk}/accept/"' in html
    assert f'action="/portal/tickets/{proposed.pk}/decline/"' in html


def test_no_answer_buttons_once_the_ticket_moved_on(proposed, acme, contact_client):
    """The transition table decides: in progress again, nothing to accept."""
    ts.pause_ticket(ticket=proposed, actor=acme.agent, reason="Send logs")
    html = contact_client.get(f"/portal/tickets/{proposed.pk}/").content.decode()
    assert "/accept/" not in html
    assert "/decline/" not in html


def test_accepting_closes_the_ticket(proposed, clock, contact_client):
    clock.at(ny(2025, 3, 3, 11))
    response = contact_client.post(f"/portal/tickets/{proposed.pk}/accept/")
    assert response["Location"] == f"/portal/tickets/{proposed.pk}/"
    ticket = Ticket.objects.get(pk=proposed.pk)
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == (
        Status.CLOSED,
        ny(2025, 3, 3, 11),
        ny(2025, 3, 3, 11),
    )
    again = contact_client.post(f"/portal/tickets/{proposed.pk}/accept/")
    assert again.status_code == 409


def test_declining_needs_a_reason_then_reopens_the_work(proposed, contact_client):
    events = TicketEvent.objects.count()
    empty = contact_client.post(f"/portal/tickets/{proposed.pk}/decline/", {"decline-reason": ""})
    assert empty.status_code == 422
    assert empty.context["decline_form"].errors == {
        "reason": ["say why the solution does not work"]
    }
    assert TicketEvent.objects.count() == events
    response = contact_client.post(
        f"/portal/tickets/{proposed.pk}/decline/", {"decline-reason": "Link still flaps"}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=proposed.pk)
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.events.get(kind=EventKind.SOLUTION_DECLINED).data["reason"] == "Link still flaps"


def test_another_customers_contact_gets_404(proposed, globex):
    from servicepact.tickets.testing import login

    client = login(globex.contact.user)
    assert client.post(f"/portal/tickets/{proposed.pk}/accept/").status_code == 404
    assert Ticket.objects.get(pk=proposed.pk).status == Status.SOLUTION_PROPOSED


def test_home_counts_proposals_and_resolutions_and_links_to_them(
    proposed, acme, clock, contact_client
):
    resolved = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Fan")
    ts.acknowledge_ticket(ticket=resolved, actor=acme.agent)
    ts.resolve_ticket(ticket=resolved, actor=acme.agent)
    ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Still new")
    home = contact_client.get("/portal/")
    assert home.context["to_confirm"] == 2
    assert 'href="?show=confirm"' in home.content.decode()
    listed = contact_client.get("/portal/", {"show": "confirm"})
    assert sorted(t.subject for t in listed.context["tickets"]) == ["Fan", "Uplink"]


def test_a_200000_character_comment_is_a_field_error(proposed, contact_client):
    response = contact_client.post(
        f"/portal/tickets/{proposed.pk}/comment/", {"comment-body": "x" * 200_000}
    )
    assert response.status_code == 422
    assert response.context["comment_form"].errors == {
        "body": ["must be at most 20,000 characters (it has 200,000)"]
    }
    assert Comment.objects.count() == 0
    assert (
        'maxlength="20000"'
        in contact_client.get(f"/portal/tickets/{proposed.pk}/").content.decode()
    )
