"""Refused requests: 409 for a transition the state forbids, 422 naming the field, 400 for
a body that is not JSON — and in every case nothing is written."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.models import Comment, SlaClock, Ticket, TicketEvent

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(acme, clock):
    clock.at(ny(2025, 6, 2, 9))
    return open_ticket(acme)


def rows(ticket):
    """Everything a ticket action could write."""
    t = Ticket.objects.get(pk=ticket.pk)
    return (
        t.status,
        t.priority,
        t.assignee_id,
        t.waiting_reason,
        TicketEvent.objects.filter(ticket=ticket).count(),
        Comment.objects.filter(ticket=ticket).count(),
        list(SlaClock.objects.filter(ticket=ticket).values_list("metric", "state", "evaluated_at")),
    )


def test_resolving_a_new_ticket_is_409(staff, ticket, clock):
    """A new ticket must be acknowledged first: 409 naming the allowed states."""
    before = rows(ticket)
    clock.at(ny(2025, 6, 2, 9, 30))
    response = staff.post(f"/tickets/{ticket.pk}/resolve", {"resolution": "x"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": (
            f"cannot resolve ticket {ticket.number}: it is New; "
            "allowed from: Acknowledged, In progress, Solution proposed"
        )
    }
    assert rows(ticket) == before


def test_resuming_a_running_ticket_is_409(staff, acme, ticket):
    """Resume is only for a ticket waiting on the customer."""
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    ts.start_work(ticket=ticket, actor=acme.agent)
    before = rows(ticket)
    response = staff.post(f"/tickets/{ticket.pk}/resume")
    assert response.status_code == 409
    assert response.json()["detail"].startswith(
        f"cannot resume ticket {ticket.number}: it is In progress"
    )
    assert rows(ticket) == before


@pytest.mark.parametrize(
    ("prepare", "action", "body"),
    [
        ("ack", "acknowledge", None),
        ("ack-restore", "restore", {}),
        ("none", "close", None),
        ("none", "reopen", {"reason": "x"}),
        ("none", "priority", {"priority": 2, "reason": "same"}),
    ],
)
def test_other_invalid_transitions_are_409(staff, acme, ticket, prepare, action, body):
    """Twice acknowledged, twice restored, closing or reopening an open ticket, and setting
    the priority it already has: 409, nothing written."""
    if prepare.startswith("ack"):
        ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    if prepare == "ack-restore":
        ts.record_restore(ticket=ticket, actor=acme.agent)
    before = rows(ticket)
    response = staff.post(f"/tickets/{ticket.pk}/{action}", body)
    assert response.status_code == 409
    assert rows(ticket) == before


def test_contact_closing_an_open_ticket_is_409(acme_contact, ticket):
    """Allowed action for a contact, wrong state: 409 (not 403)."""
    assert acme_contact.post(f"/tickets/{ticket.pk}/close").status_code == 409


@pytest.mark.parametrize(
    ("action", "body", "loc", "msg"),
    [
        ("pause", {"reason": "  "}, ["body", "reason"], "say why the ticket waits on the customer"),
        ("pause", {}, ["body", "reason"], "Field required"),
        (
            "propose-solution",
            {"solution": ""},
            ["body", "solution"],
            "describe the proposed solution",
        ),
        ("priority", {"priority": 7, "reason": "x"}, ["body", "priority"], "must be 1 to 4"),
        (
            "priority",
            {"priority": 1, "reason": ""},
            ["body", "reason"],
            "say why the priority changes",
        ),
        ("comments", {"body": " "}, ["body", "body"], "must not be empty"),
        (
            "onsite-arrival",
            {"at": "2025-06-02T11:00:00-04:00"},
            ["body", "at"],
            "must not be in the future",
        ),
        (
            "onsite-arrival",
            {"at": "2025-06-02T08:00:00-04:00"},
            ["body", "at"],
            "must not be before the ticket was opened",
        ),
        (
            "onsite-arrival",
            {"at": "2025-06-02T09:00:00"},
            ["body", "at"],
            "Input should have timezone info",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field(staff, acme, ticket, clock, action, body, loc, msg):
    """The service (or pydantic) refuses; the answer names the field; nothing is written."""
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 6, 2, 10))
    before = rows(ticket)
    response = staff.post(f"/tickets/{ticket.pk}/{action}", body)
    assert response.status_code == 422
    assert [(e["loc"], e["msg"]) for e in response.json()["detail"]] == [(loc, msg)]
    assert rows(ticket) == before


def test_assigning_a_customer_user_or_an_unknown_team_is_422(staff, acme, ticket):
    """Only staff can be assigned; a team id must exist."""
    before = rows(ticket)
    user = staff.post(f"/tickets/{ticket.pk}/assign", {"assignee": acme.contact.user.pk})
    assert user.json()["detail"] == [
        {
            "loc": ["body", "assignee"],
            "msg": "only provider staff can be assigned",
            "type": "invalid",
        }
    ]
    team = staff.post(f"/tickets/{ticket.pk}/assign", {"team": 999})
    assert team.json()["detail"][0]["loc"] == ["body", "team"]
    assert rows(ticket) == before


def test_malformed_json_is_400(staff, ticket):
    """A body that is not JSON: 400 {"detail": "Cannot parse request body"}."""
    response = staff.client.post(
        f"/api/v1/tickets/{ticket.pk}/pause", "{reason:", content_type="application/json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Cannot parse request body"},
    )


def test_unknown_ticket_is_404(staff):
    """A ticket that does not exist is the same 404 as one outside the tenancy."""
    assert staff.get("/tickets/999999").status_code == 404
    assert staff.post("/tickets/999999/acknowledge").status_code == 404
