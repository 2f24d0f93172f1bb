"""The desk side of the conversation: the queue marks customer replies, an endless comment is
a field error, and the answer reaches the customer."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.models import Comment, TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def working(clock, acme):
    clock.at(ny(2025, 3, 3, 10))
    t = ts.open_ticket(customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="x")
    return ts.acknowledge_ticket(ticket=t, actor=acme.agent)


def _marked(agent_client, ticket) -> bool:
    html = agent_client.get("/desk/queue/rows/").content.decode()
    row = html.split(f'data-ticket="{ticket.pk}"')[1].split("</tr>")[0]
    return 'data-testid="customer-replied"' in row


def test_the_queue_marks_a_customer_reply_until_staff_answer(acme, working, agent_client):
    assert not _marked(agent_client, working)
    ts.add_comment(ticket=working, author=acme.contact.user, body="Any news?")
    assert _marked(agent_client, working)
    agent_client.post(
        f"/desk/tickets/{working.pk}/actions/comment/", {"comment-body": "Working on it"}
    )
    assert not _marked(agent_client, working)


def test_a_200000_character_comment_is_a_field_error(working, agent_client):
    events = TicketEvent.objects.count()
    response = agent_client.post(
        f"/desk/tickets/{working.pk}/actions/comment/", {"comment-body": "x" * 200_000}
    )
    assert response.status_code == 422
    assert response.context["comment_form"].errors == {
        "body": ["must be at most 20,000 characters (it has 200,000)"]
    }
    assert Comment.objects.count() == 0
    assert TicketEvent.objects.count() == events


def test_the_timelines_say_who_resumed_a_waiting_ticket(
    acme, working, agent_client, contact_client
):
    ts.pause_ticket(ticket=working, actor=acme.agent, reason="Send the logs")
    ts.add_comment(ticket=working, author=acme.contact.user, body="Logs attached")
    desk = agent_client.get(f"/desk/tickets/{working.pk}/").content.decode()
    assert "Resumed: the customer replied" in desk
    assert 'data-testid="customer-replied"' in desk
    portal = contact_client.get(f"/portal/tickets/{working.pk}/").content.decode()
    assert "Resumed: you replied" in portal
