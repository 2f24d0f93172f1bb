"""Ticket actions through the desk's POST forms: each calls its service and redirects
(POST-redirect-GET); a refused transition answers 409 and writes nothing; invalid input
answers 422 with the error on the field the service named."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind, Status
from servicepact.tickets.models import Comment, TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(clock, acme):
    """A network P2 ticket (no on-site clock) opened Monday 3 March 2025 10:00 New York."""
    clock.at(ny(2025, 3, 3, 10))
    return ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.asset,
        subject="Uplink flapping",
        priority=2,
        category=Category.NETWORK,
    )


def post(client, ticket, action, data=None, follow=False):
    return client.post(f"/desk/tickets/{ticket.pk}/actions/{action}/", data or {}, follow=follow)


def test_acknowledge_redirects_to_the_ticket_with_a_message(ticket, agent_client, clock):
    clock.at(ny(2025, 3, 3, 10, 20))
    response = post(agent_client, ticket, "acknowledge")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.acknowledged_at == ny(2025, 3, 3, 10, 20)
    page = agent_client.get(response["Location"]).content.decode()
    assert "Acknowledged: the first response is recorded." in page


def test_pause_without_a_reason_names_the_field_and_writes_nothing(ticket, acme, agent_client):
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    events = TicketEvent.objects.count()
    response = post(agent_client, ticket, "pause", {"pause-reason": "  "})
    assert response.status_code == 422
    html = response.content.decode()
    assert "say why the ticket waits on the customer" in html
    assert 'id="id_pause-reason_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<details class="action" open data-action="pause">' in html
    assert TicketEvent.objects.count() == events
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED


def test_pause_removes_the_deadline_and_resume_brings_it_back(ticket, acme, agent_client, clock):
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 3, 3, 11))
    post(agent_client, ticket, "pause", {"pause-reason": "Waiting for console access"})
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert ticket.next_deadline_at is None
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "no deadline while the clock is paused" in page
    assert "Waiting for console access" in page
    clock.at(ny(2025, 3, 3, 13))
    assert post(agent_client, ticket, "resume").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # Restore: 240 business min from 10:00 with a 2 h pause -> 16:00 New York.
    assert ticket.next_deadline_at == ny(2025, 3, 3, 16)


def test_resolve_stops_the_clocks(ticket, acme, agent_client, clock):
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 3, 3, 12))
    response = post(agent_client, ticket, "resolve", {"resolve-resolution": "Replaced optic"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.next_deadline_at is None
    assert ticket.events.get(kind=EventKind.RESOLVED).data["resolution"] == "Replaced optic"


def test_an_invalid_transition_answers_409_and_writes_nothing(ticket, agent_client):
    events = TicketEvent.objects.count()
    response = post(agent_client, ticket, "resume")
    assert response.status_code == 409
    html = response.content.decode()
    assert "cannot resume ticket" in html
    assert "was not done" in html
    assert TicketEvent.objects.count() == events
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_a_stale_second_click_is_refused(ticket, agent_client):
    assert post(agent_client, ticket, "acknowledge").status_code == 302
    events = TicketEvent.objects.count()
    response = post(agent_client, ticket, "acknowledge")
    assert response.status_code == 409
    assert TicketEvent.objects.count() == events


def test_only_the_actions_valid_in_the_status_are_offered(ticket, acme, agent_client):
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-action="acknowledge"' in html
    assert 'data-action="resolve"' not in html
    assert 'data-action="resume"' not in html
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-action="acknowledge"' not in html
    for action in ("pause", "resolve", "propose", "restore", "priority", "assign"):
        assert f'data-action="{action}"' in html, action


def test_change_priority_needs_a_reason_and_records_the_moved_deadline(ticket, agent_client, clock):
    response = post(agent_client, ticket, "priority", {"priority-priority": "1"})
    assert response.status_code == 422
    assert "say why the priority changes" in response.content.decode()
    clock.at(ny(2025, 3, 3, 10, 5))
    response = post(
        agent_client,
        ticket,
        "priority",
        {"priority-priority": "1", "priority-reason": "All VMs down"},
        follow=True,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == 1
    moved = ticket.events.filter(kind=EventKind.DEADLINE_MOVED)
    assert moved.exists()
    html = response.content.decode()
    assert "Priority P2 → P1" in html
    assert "deadline moved" in html


def test_onsite_arrival_time_is_read_in_the_agents_zone(clock, acme, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=1)
    clock.at(ny(2025, 3, 3, 12))
    # The agent works in Berlin: 17:30 CET is 11:30 in New York.
    response = post(
        agent_client,
        ticket,
        "onsite",
        {"onsite-engineer": "Erin", "onsite-at": "2025-03-03T17:30"},
    )
    assert response.status_code == 302
    event = ticket.events.get(kind=EventKind.ONSITE_ARRIVED)
    assert event.at == ny(2025, 3, 3, 11, 30)
    assert event.data["engineer"] == "Erin"
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-action="onsite"' not in html  # recorded once


def test_a_future_arrival_is_refused_on_the_field(clock, acme, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=1)
    response = post(agent_client, ticket, "onsite", {"onsite-at": "2025-03-04T09:00"})
    assert response.status_code == 422
    assert 'id="id_onsite-at_error"' in response.content.decode()
    assert not ticket.events.filter(kind=EventKind.ONSITE_ARRIVED).exists()


def test_assign_and_internal_comment(ticket, acme, agent_client):
    response = post(agent_client, ticket, "assign", {"assign-assignee": acme.agent.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == acme.agent
    response = post(
        agent_client,
        ticket,
        "comment",
        {"comment-body": "Spare part reserved", "comment-internal": "on"},
    )
    assert response["Location"].endswith("#comments")
    comment = Comment.objects.get(ticket=ticket)
    assert comment.is_internal is True
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Spare part reserved" in html
    assert "tag-internal" in html


def test_an_empty_comment_is_refused(ticket, agent_client):
    response = post(agent_client, ticket, "comment", {"comment-body": ""})
    assert response.status_code == 422
    assert not Comment.objects.exists()


def test_unknown_actions_are_404(ticket, agent_client):
    assert post(agent_client, ticket, "delete").status_code == 404
