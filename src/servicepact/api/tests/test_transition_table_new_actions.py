"""The fault confirmation, dispatch and escalation endpoints read the one transition table
too: 2xx exactly when ``tickets.transitions.allowed`` says so, else 409 (and nothing
written)."""

from __future__ import annotations

import pytest

from servicepact.tickets.choices import Status
from servicepact.tickets.transitions import allowed

from .conftest import ny
from .test_transition_table import in_status

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "confirm-fault": ("confirm", {"note": "reproduced"}),
    "dispatch": ("dispatch", {"engineer": "Kim"}),
    "escalate": ("escalate", {"reason": "storage team"}),
}


@pytest.mark.parametrize(
    "status",
    [Status.NEW, Status.ACKNOWLEDGED, Status.WAITING, Status.SOLUTION_PROPOSED, Status.RESOLVED],
)
def test_each_new_endpoint_answers_as_the_table_says(staff, acme, clock, status):
    clock.at(ny(2025, 6, 2, 9))
    for endpoint, (action, body) in ENDPOINTS.items():
        ticket = in_status(acme, status)
        events = ticket.events.count()
        response = staff.post(f"/tickets/{ticket.pk}/{endpoint}", body)
        expected = 200 if allowed(action, status) else 409
        assert response.status_code == expected, (endpoint, status, response.json())
        if expected == 409:
            assert ticket.events.count() == events
