"""The conversation through the API: the contact answers a proposed solution, its reply resumes
a waiting ticket and reaches the agent, and an endless comment is a 422 naming the field."""

from __future__ import annotations

import pytest

from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.models import Comment, TicketEvent

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def working(acme, clock):
    clock.at(ny(2025, 6, 2, 10))
    ticket = open_ticket(acme, impact=2, urgency=2)
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    return ts.assign_ticket(ticket=ticket, actor=acme.agent, assignee=acme.agent)


def test_a_200000_character_comment_is_422_and_stores_nothing(acme_contact, working):
    events = TicketEvent.objects.count()
    response = acme_contact.post(f"/tickets/{working.pk}/comments", {"body": "x" * 200_000})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "body"
    assert "at most 20,000 characters" in error["msg"]
    assert Comment.objects.count() == 0
    assert TicketEvent.objects.count() == events


def test_the_contacts_reply_resumes_a_waiting_ticket_and_tells_the_assignee(
    acme, acme_contact, working
):
    ts.pause_ticket(ticket=working, actor=acme.agent, reason="Send the logs")
    response = acme_contact.post(f"/tickets/{working.pk}/comments", {"body": "Logs attached"})
    assert response.status_code == 201
    assert response.json()["status"] == "in_progress"
    assert Notification.objects.filter(event="ticket.customer_reply", user=acme.agent).count() == 1


def test_the_contact_accepts_or_declines_a_proposed_solution(acme, acme_contact, working):
    ts.propose_solution(ticket=working, actor=acme.agent, solution="Replace the disk")
    declined = acme_contact.post(f"/tickets/{working.pk}/decline-solution", {"reason": "No"})
    assert declined.status_code == 200
    assert declined.json()["status"] == "in_progress"
    early = acme_contact.post(f"/tickets/{working.pk}/accept-solution")
    assert early.status_code == 409  # nothing proposed now
    ts.propose_solution(ticket=working, actor=acme.agent, solution="Replace the cable")
    accepted = acme_contact.post(f"/tickets/{working.pk}/accept-solution")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "closed"


def test_another_customers_contact_cannot_answer(globex_contact, acme, working):
    ts.propose_solution(ticket=working, actor=acme.agent, solution="Replace the disk")
    assert globex_contact.post(f"/tickets/{working.pk}/accept-solution").status_code == 404
