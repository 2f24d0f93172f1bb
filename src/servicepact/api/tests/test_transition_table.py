"""The API reads the one transition table: for a ticket in a given status, each action
endpoint succeeds exactly when ``tickets.transitions.allowed`` says so, and answers 409
otherwise (the same table the desk and the portal offer their buttons from)."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Status
from servicepact.tickets.models import Ticket
from servicepact.tickets.transitions import allowed

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db

# endpoint -> (table action, body)
ENDPOINTS = {
    "acknowledge": ("acknowledge", None),
    "start": ("start", None),
    "pause": ("pause", {"reason": "logs please"}),
    "resume": ("resume", None),
    "restore": ("restore", {}),
    "propose-solution": ("propose", {"solution": "swap the disk"}),
    "resolve": ("resolve", {"resolution": "disk swapped"}),
    "close": ("close", None),
    "reopen": ("reopen", {"reason": "down again"}),
    "onsite-arrival": ("onsite", {}),
    "priority": ("priority", {"priority": 4, "reason": "less urgent"}),
    "assign": ("assign", {}),
    "accept-solution": ("accept", None),
    "decline-solution": ("decline", {"reason": "still broken"}),
}


def in_status(w, status: str) -> Ticket:
    ticket = open_ticket(w)
    if status == Status.NEW:
        return ticket
    ts.acknowledge_ticket(ticket=ticket, actor=w.agent)
    if status == Status.WAITING:
        ts.pause_ticket(ticket=ticket, actor=w.agent, reason="logs")
    elif status == Status.SOLUTION_PROPOSED:
        ts.propose_solution(ticket=ticket, actor=w.agent, solution="reboot")
    elif status == Status.RESOLVED:
        ts.resolve_ticket(ticket=ticket, actor=w.agent, resolution="fixed")
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


@pytest.mark.parametrize(
    "status", [Status.NEW, Status.WAITING, Status.SOLUTION_PROPOSED, Status.RESOLVED]
)
def test_each_endpoint_answers_as_the_table_says(staff, acme, clock, status):
    """Every action on a fresh ticket in ``status``: 2xx if the table allows it, else 409."""
    clock.at(ny(2025, 6, 2, 9))
    answers, expected = {}, {}
    for endpoint, (action, body) in ENDPOINTS.items():
        ticket = in_status(acme, status)
        response = staff.post(f"/tickets/{ticket.pk}/{endpoint}", body)
        answers[endpoint] = response.status_code
        expected[endpoint] = 200 if allowed(action, status) else 409
    assert answers == expected
    assert 200 in answers.values() and 409 in answers.values()
