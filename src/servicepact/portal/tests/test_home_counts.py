"""The portal home's counts: one aggregate over only the open and to-confirm tickets (the
customer's closed history is not read), the customer's own tickets only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category

from .conftest import ny

pytestmark = pytest.mark.django_db


def _open(world, subject):
    return ts.open_ticket(
        customer=world.customer, asset=world.asset, subject=subject, category=Category.NETWORK
    )


@pytest.fixture
def history(clock, acme, globex):
    clock.at(ny(2025, 3, 3, 9))
    for i in range(3):
        _open(acme, f"open {i}")
    proposed = _open(acme, "proposed")
    ts.acknowledge_ticket(ticket=proposed, actor=acme.agent)
    ts.propose_solution(ticket=proposed, actor=acme.agent, solution="swap the disk")
    resolved = _open(acme, "resolved")
    ts.acknowledge_ticket(ticket=resolved, actor=acme.agent)
    ts.resolve_ticket(ticket=resolved, actor=acme.agent)
    closed = _open(acme, "closed")
    ts.acknowledge_ticket(ticket=closed, actor=acme.agent)
    ts.resolve_ticket(ticket=closed, actor=acme.agent)
    ts.close_ticket(ticket=closed, actor=acme.agent)
    _open(globex, "someone else's")
    clock.at(ny(2025, 3, 3, 10))


def test_home_counts_open_and_to_confirm_in_one_query_over_those_rows(history, contact_client):
    with CaptureQueriesContext(connection) as ctx:
        response = contact_client.get("/portal/")
    assert response.status_code == 200
    # open: 3 new + the proposed one; to confirm: the proposed and the resolved one.
    assert (response.context["open_count"], response.context["to_confirm"]) == (4, 2)
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert counts[0].count('"tickets_ticket"."status" IN') == 2  # open; to confirm
    assert "'closed'" not in counts[0]  # the closed history is never read


def test_closed_list_is_newest_first(history, contact_client):
    response = contact_client.get("/portal/", {"show": "closed"})
    assert [t.subject for t in response.context["tickets"]] == ["closed", "resolved"]


def test_to_confirm_stops_counting_past_the_cap(history, contact_client, monkeypatch):
    """Resolved tickets the worker has not closed yet: exact up to the cap, "N+" past it, and
    the count never reads more than cap + 1 rows (a LIMIT in its subquery)."""
    from servicepact.portal import views

    monkeypatch.setattr(views, "CONFIRM_CAP", 2)  # the history has 2 to confirm: exact
    exact = contact_client.get("/portal/")
    assert (exact.context["to_confirm"], exact.context["to_confirm_more"]) == (2, False)
    assert b'data-testid="to-confirm"><span class="stat-value">2</span>' in exact.content
    monkeypatch.setattr(views, "CONFIRM_CAP", 1)
    with CaptureQueriesContext(connection) as ctx:
        capped = contact_client.get("/portal/")
    assert (capped.context["to_confirm"], capped.context["to_confirm_more"]) == (1, True)
    assert b'data-testid="to-confirm"><span class="stat-value">1+</span>' in capped.content
    assert capped.context["open_count"] == 4  # the open count is not capped
    (count,) = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert "LIMIT 2" in count


def test_the_to_confirm_list_is_newest_first_and_counted_once(history, contact_client):
    """``?show=confirm`` reuses the capped count of the home's counts (no second COUNT over
    every resolved ticket) and lists newest first (opened together here: the later id first)."""
    with CaptureQueriesContext(connection) as ctx:
        response = contact_client.get("/portal/", {"show": "confirm"})
    assert [t.subject for t in response.context["tickets"]] == ["resolved", "proposed"]
    assert response.context["page"].count == 2
    assert len([q for q in ctx.captured_queries if "COUNT(" in q["sql"]]) == 1
    (rows,) = [q["sql"] for q in ctx.captured_queries if "LIMIT 50" in q["sql"]]
    assert "next_deadline_at" not in rows.split("ORDER BY")[1]


def test_the_to_confirm_list_says_more_than_past_its_cap(history, contact_client, monkeypatch):
    """Past CONFIRM_CAP the to-confirm list's pager agrees with the "N+" of the home: its page
    is marked ``more`` (count = the cap), with no second COUNT; the page itself still holds
    up to a page of rows."""
    from servicepact.portal import views

    monkeypatch.setattr(views, "CONFIRM_CAP", 1)
    with CaptureQueriesContext(connection) as ctx:
        response = contact_client.get("/portal/", {"show": "confirm"})
    page = response.context["page"]
    assert (page.count, page.more, len(page.items)) == (1, True, 2)
    assert len([q for q in ctx.captured_queries if "COUNT(" in q["sql"]]) == 1
