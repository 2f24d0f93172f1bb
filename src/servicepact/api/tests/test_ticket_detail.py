"""Ticket detail: clocks evaluated live at request time (read-only), timeline and comments.

P2 on Mon-Fri 09:00-18:00 America/New_York opened Fri 2025-06-06 16:00 EDT (20:00 UTC):
first response 60 min due Fri 17:00; restore 240 min due Mon 11:00; resolution 480 min due
Mon 15:00 (Fri 16-18 = 2 h, Mon 09-15 = 6 h).
"""

from __future__ import annotations

import pytest

from servicepact.tickets.models import SlaClock, TicketEvent

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(acme, clock):
    clock.at(ny(2025, 6, 6, 16))
    return open_ticket(acme)


def clocks(response):
    return {c["metric"]: c for c in response.json()["clocks"]}


def snapshot(ticket):
    return list(
        SlaClock.objects.filter(ticket=ticket)
        .order_by("metric")
        .values_list("metric", "evaluated_at", "elapsed_seconds", "state", "breach_recorded")
    )


def test_elapsed_and_remaining_are_current_at_request_time(staff, ticket, clock):
    """At Fri 16:45 first response has used 2700 s of 3600 (fraction 0.75, 900 s left);
    resolution 2700 of 28800 with its deadline still Mon 15:00. The stored snapshot (taken
    at 16:00) is left alone; next_check_at is the worker's stored schedule."""
    before = snapshot(ticket)
    clock.at(ny(2025, 6, 6, 16, 45))
    response = staff.get(f"/tickets/{ticket.pk}")
    body = response.json()
    assert body["evaluated_at"] == "2025-06-06T20:45:00Z"
    fr, res = clocks(response)["first_response"], clocks(response)["resolution"]
    assert fr == {
        "metric": "first_response",
        "state": "running",
        "priority": 2,
        "target_seconds": 3600,
        "target_source": "plan Acme Plan",
        "calendar": {"id": ticket.clocks.first().calendar_id, "name": "acme hours"},
        "timezone": "America/New_York",
        "started_at": "2025-06-06T20:00:00Z",
        "stopped_at": None,
        "deadline": "2025-06-06T21:00:00Z",
        "elapsed_seconds": 2700,
        "remaining_seconds": 900,
        "breached_at": None,
        "breached_by_seconds": 0,
        "fraction": 0.75,
        # The stored worker schedule (50 % at 16:30), not re-derived: it is due, not yet run.
        "next_check_at": "2025-06-06T20:30:00Z",
    }
    assert (res["elapsed_seconds"], res["remaining_seconds"], res["deadline"]) == (
        2700,
        26100,
        "2025-06-09T19:00:00Z",
    )
    assert snapshot(ticket) == before


def test_breach_shows_live_over_the_weekend_without_writing(staff, ticket, clock):
    """Mon 09:30: first response ran Fri 16-18 and Mon 09:00-09:30 = 9000 s, breached at
    Fri 17:00 by 5400 s. GET records no breach event: that is the worker's job."""
    events_before = TicketEvent.objects.count()
    clock.at(ny(2025, 6, 9, 9, 30))
    fr = clocks(staff.get(f"/tickets/{ticket.pk}"))["first_response"]
    assert (fr["state"], fr["elapsed_seconds"], fr["remaining_seconds"]) == ("breached", 9000, 0)
    assert (fr["breached_at"], fr["breached_by_seconds"], fr["fraction"]) == (
        "2025-06-06T21:00:00Z",
        5400,
        2.5,
    )
    assert TicketEvent.objects.count() == events_before
    assert SlaClock.objects.get(ticket=ticket, metric="first_response").state == "running"


def test_contacts_do_not_get_the_workers_schedule(acme_contact, ticket):
    """next_check_at is null for a contact; the rest of the clock is the same."""
    fr = clocks(acme_contact.get(f"/tickets/{ticket.pk}"))["first_response"]
    assert (fr["next_check_at"], fr["deadline"]) == (None, "2025-06-06T21:00:00Z")


def test_timeline_and_comments(staff, acme_contact, acme, ticket, clock):
    """Events oldest first with actor and data; comments with author; sub-resources agree."""
    clock.at(ny(2025, 6, 6, 16, 10))
    staff.post(f"/tickets/{ticket.pk}/comments", {"body": "Looking into it"})
    body = acme_contact.get(f"/tickets/{ticket.pk}").json()
    assert [(e["kind"], e["at"], e["actor"]["username"]) for e in body["events"]] == [
        ("opened", "2025-06-06T20:00:00Z", "acme-it"),
        ("commented", "2025-06-06T20:10:00Z", "acme-agent"),
    ]
    assert body["events"][0]["data"]["contract"] == "ACME-1"
    assert [(c["author"]["username"], c["body"], c["internal"]) for c in body["comments"]] == [
        ("acme-agent", "Looking into it", False)
    ]
    events = acme_contact.get(f"/tickets/{ticket.pk}/events").json()
    assert (events["count"], events["items"]) == (2, body["events"])
    comments = acme_contact.get(f"/tickets/{ticket.pk}/comments").json()
    assert (comments["count"], comments["items"]) == (1, body["comments"])
