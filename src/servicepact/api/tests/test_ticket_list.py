"""Ticket list: newest first, filters, {"items", "count"}; a contact sees its own only."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(acme, globex, clock):
    """Mon 2025-06-02: Acme P2 at 09:00 (next deadline 10:00), Acme P3 at 10:00 (12:00,
    assigned to the agent), Globex P2 at 11:00, acknowledged at once (next: restore, 15:00)."""
    clock.at(ny(2025, 6, 2, 9))
    p2 = open_ticket(acme)
    clock.at(ny(2025, 6, 2, 10))
    p3 = open_ticket(acme, impact=3, urgency=3, subject="Slow backups")
    ts.assign_ticket(ticket=p3, actor=acme.agent, assignee=acme.agent)
    clock.at(ny(2025, 6, 2, 11))
    other = open_ticket(globex)
    ts.acknowledge_ticket(ticket=other, actor=acme.agent)
    return p2, p3, other


def ids(response):
    return [t["id"] for t in response.json()["items"]]


def test_list_is_newest_first_with_count(staff, tickets):
    """Three tickets, newest first; each item has id, number, coverage and clock snapshots."""
    p2, p3, other = tickets
    response = staff.get("/tickets")
    assert (response.json()["count"], ids(response)) == (3, [other.pk, p3.pk, p2.pk])
    item = response.json()["items"][2]
    assert (item["number"], item["next_deadline_at"]) == (p2.number, "2025-06-02T14:00:00Z")
    assert [(c["metric"], c["state"], c["deadline"]) for c in item["clocks"]] == [
        ("first_response", "running", "2025-06-02T14:00:00Z"),
        ("restore", "running", "2025-06-02T17:00:00Z"),
        ("resolution", "running", "2025-06-02T21:00:00Z"),
    ]
    assert item["coverage"]["contract_number"] == "ACME-1"


def test_filters(staff, tickets, acme, globex):
    """status, priority, customer, asset and assigned_to (id or "me") narrow the list."""
    p2, p3, other = tickets
    assert ids(staff.get("/tickets", status="acknowledged")) == [other.pk]
    assert ids(staff.get("/tickets", status="new,acknowledged")) == [other.pk, p3.pk, p2.pk]
    assert ids(staff.get("/tickets", priority=3)) == [p3.pk]
    assert ids(staff.get("/tickets", customer=globex.customer.pk)) == [other.pk]
    assert ids(staff.get("/tickets", asset=acme.asset.pk)) == [p3.pk, p2.pk]
    assert ids(staff.get("/tickets", assigned_to="me")) == [p3.pk]
    assert ids(staff.get("/tickets", assigned_to=str(acme.agent.pk))) == [p3.pk]


def test_breaching_before_compares_the_next_running_deadline(staff, tickets):
    """Next running deadlines 10:00, 12:00 and 15:00 EDT: before 12:00 only the first; the
    comparison is strict, so 12:00:01 adds the second."""
    p2, p3, _ = tickets
    assert ids(staff.get("/tickets", breaching_before="2025-06-02T12:00:00-04:00")) == [p2.pk]
    assert ids(staff.get("/tickets", breaching_before="2025-06-02T12:00:01-04:00")) == [
        p3.pk,
        p2.pk,
    ]


def test_limit_and_offset(staff, tickets):
    """limit=1&offset=1 is the second newest; count stays the total."""
    _, p3, _ = tickets
    response = staff.get("/tickets", limit=1, offset=1)
    assert (response.json()["count"], ids(response)) == (3, [p3.pk])


def test_bad_filters_are_422_naming_the_query_field(staff, tickets):
    """Unknown status, a non-id assignee, a naive instant and limit 0 are all 422."""
    cases = {
        "status": {"status": "open"},
        "assigned_to": {"assigned_to": "bob"},
        "breaching_before": {"breaching_before": "2025-06-02T12:00:00"},
        "limit": {"limit": 0},
    }
    for field, params in cases.items():
        response = staff.get("/tickets", **params)
        assert response.status_code == 422, field
        assert response.json()["detail"][0]["loc"] == ["query", field]


def test_contact_lists_only_its_customers_tickets(acme_contact, globex_contact, tickets):
    """Acme's contact sees the two Acme tickets; asking for Globex's customer gives none."""
    p2, p3, other = tickets
    assert ids(acme_contact.get("/tickets")) == [p3.pk, p2.pk]
    assert acme_contact.get("/tickets", customer=other.customer_id).json() == {
        "items": [],
        "count": 0,
    }
    assert ids(globex_contact.get("/tickets")) == [other.pk]
