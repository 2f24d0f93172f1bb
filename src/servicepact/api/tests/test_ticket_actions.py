"""Every transition through the API, by staff; what a contact may do (close, reopen, comment).

P1 hardware ticket (impact 1 x urgency 1) opened Mon 2025-06-02 09:00 EDT: it has all four
clocks, on-site arrival (240 min) included.
"""

from __future__ import annotations

import pytest

from servicepact.accounts.models import Team
from servicepact.tickets.models import Comment, TicketEvent

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def p1(acme, clock):
    clock.at(ny(2025, 6, 2, 9))
    return open_ticket(acme, impact=1, urgency=1)


def post(api, ticket, action, body=None):
    return api.post(f"/tickets/{ticket.pk}/{action}", body)


def states(response):
    return {c["metric"]: c["state"] for c in response.json()["clocks"]}


def test_staff_walks_a_ticket_through_its_life(staff, acme_contact, acme, p1, clock):
    """acknowledge, start, restore, onsite-arrival (recorded late), pause, resume, priority,
    assign, propose-solution, resolve; then the contact closes it. Each answer is the detail."""
    team = Team.objects.create(name="Field engineers")
    steps = [
        (ny(2025, 6, 2, 9, 10), "acknowledge", None, "acknowledged"),
        (ny(2025, 6, 2, 9, 20), "start", None, "in_progress"),
        (ny(2025, 6, 2, 10), "restore", {"note": "Failover to standby"}, "in_progress"),
        (
            ny(2025, 6, 2, 12),
            "onsite-arrival",
            {"at": "2025-06-02T11:30:00-04:00", "engineer": "Kim"},
            "in_progress",
        ),
        (ny(2025, 6, 2, 13), "pause", {"reason": "Waiting for a maintenance window"}, "waiting"),
        (ny(2025, 6, 2, 14), "resume", None, "in_progress"),
        (ny(2025, 6, 2, 14, 5), "priority", {"priority": 2, "reason": "Workaround holds"}, None),
        (ny(2025, 6, 2, 14, 10), "assign", {"assignee": acme.agent.pk, "team": team.pk}, None),
        (ny(2025, 6, 2, 15), "propose-solution", {"solution": "Replace the disk"}, None),
        (ny(2025, 6, 2, 16), "resolve", {"resolution": "Disk replaced"}, "resolved"),
    ]
    for instant, action, body, status in steps:
        clock.at(instant)
        response = post(staff, p1, action, body)
        assert response.status_code == 200, (action, response.json())
        if status:
            assert response.json()["status"] == status, action
    body = response.json()
    assert (body["priority"], body["priority_name"]) == (2, "Urgent")
    assert body["assignee"]["username"] == "acme-agent"
    assert body["team"] == {"id": team.pk, "name": "Field engineers"}
    assert body["resolved_at"] == "2025-06-02T20:00:00Z"
    (onsite,) = [e for e in body["events"] if e["kind"] == "onsite_arrived"]
    assert (onsite["at"], onsite["recorded_at"], onsite["data"]) == (
        "2025-06-02T15:30:00Z",
        "2025-06-02T16:00:00Z",
        {"status": ["in_progress", "in_progress"], "engineer": "Kim"},
    )
    assert states(response) == {
        "first_response": "met",
        "restore": "met",
        "resolution": "met",
    }
    clock.at(ny(2025, 6, 3, 9))
    closed = post(acme_contact, p1, "close")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert closed.json()["closed_at"] == "2025-06-03T13:00:00Z"


def test_on_site_clock_stops_at_the_recorded_arrival(staff, p1, clock):
    """Arrival recorded at 12:00 for 11:30: the on-site clock is met with 2.5 h = 9000 s."""
    clock.at(ny(2025, 6, 2, 12))
    response = post(staff, p1, "onsite-arrival", {"at": "2025-06-02T11:30:00-04:00"})
    onsite = {c["metric"]: c for c in response.json()["clocks"]}["on_site"]
    assert (onsite["state"], onsite["elapsed_seconds"], onsite["stopped_at"]) == (
        "met",
        9000,
        "2025-06-02T15:30:00Z",
    )


def test_contact_reopens_its_resolved_ticket(staff, acme_contact, p1, clock):
    """Resolved -> in progress by the contact, with its reason on the timeline."""
    post(staff, p1, "acknowledge")
    clock.at(ny(2025, 6, 2, 10))
    post(staff, p1, "resolve", {"resolution": "Rebooted"})
    clock.at(ny(2025, 6, 2, 11))
    response = post(acme_contact, p1, "reopen", {"reason": "Failed again"})
    assert (response.status_code, response.json()["status"]) == (200, "in_progress")
    last = response.json()["events"][-1]
    assert (last["kind"], last["data"]["reason"], last["actor"]["username"]) == (
        "reopened",
        "Failed again",
        "acme-it",
    )


def test_contact_comments_publicly_but_not_internally(acme_contact, p1):
    """A public comment is 201 with the detail; an internal one is 403 and not stored."""
    response = post(acme_contact, p1, "comments", {"body": "Any news?"})
    assert response.status_code == 201
    assert [c["body"] for c in response.json()["comments"]] == ["Any news?"]
    internal = post(acme_contact, p1, "comments", {"body": "psst", "internal": True})
    assert internal.status_code == 403
    assert internal.json() == {"detail": "Only provider staff may write internal comments."}
    assert Comment.objects.filter(ticket=p1).count() == 1


STAFF_ONLY = [
    ("acknowledge", None),
    ("start", None),
    ("pause", {"reason": "x"}),
    ("resume", None),
    ("restore", {}),
    ("propose-solution", {"solution": "x"}),
    ("resolve", {}),
    ("onsite-arrival", {}),
    ("priority", {"priority": 1, "reason": "x"}),
    ("assign", {"assignee": None}),
]


@pytest.mark.parametrize(("action", "body"), STAFF_ONLY)
def test_contact_may_not_run_staff_actions(acme_contact, p1, action, body):
    """Visible ticket, forbidden action: 403, and no event is written."""
    before = TicketEvent.objects.filter(ticket=p1).count()
    response = post(acme_contact, p1, action, body)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Only provider staff may ")
    assert TicketEvent.objects.filter(ticket=p1).count() == before
