"""The queue: ordered by time to breach (breached first, no deadline last), live SLA states,
filters as GET parameters, and the htmx rows partial that the page polls."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(clock, acme, globex):
    """Five open tickets on Monday 3 March 2025 10:00 New York (business hours 09-18)."""
    clock.at(ny(2025, 3, 3, 9))
    breached = ts.open_ticket(  # P1, first response 30 min: due 09:30, breached at 10:00
        customer=acme.customer,
        asset=acme.asset,
        subject="breached",
        priority=1,
        category=Category.NETWORK,
    )
    clock.at(ny(2025, 3, 3, 9, 10))
    at_risk = ts.open_ticket(  # P2, first response 60 min: due 10:10, 50 of 60 min used
        customer=acme.customer,
        asset=acme.asset,
        subject="at risk",
        priority=2,
        category=Category.NETWORK,
    )
    clock.at(ny(2025, 3, 3, 9, 20))
    paused = ts.open_ticket(
        customer=acme.customer,
        asset=acme.asset,
        subject="paused",
        priority=3,
        category=Category.NETWORK,
    )
    ts.acknowledge_ticket(ticket=paused, actor=acme.agent)
    ts.pause_ticket(ticket=paused, actor=acme.agent, reason="logs")
    clock.at(ny(2025, 3, 3, 9, 50))
    later = ts.open_ticket(  # P4, first response 240 min: due 13:50
        customer=acme.customer,
        asset=acme.asset,
        subject="later",
        priority=4,
        category=Category.NETWORK,
    )
    clock.at(ny(2025, 3, 3, 10))
    # Shanghai is closed at 23:00 local: 120 business minutes end Tuesday 11:00 = Mon 22:00 NY.
    overseas = ts.open_ticket(
        customer=globex.customer,
        asset=globex.asset,
        subject="overseas",
        priority=3,
        category=Category.NETWORK,
    )
    return {
        "breached": breached,
        "at_risk": at_risk,
        "paused": paused,
        "later": later,
        "overseas": overseas,
    }


def _order(response):
    return [row.ticket.subject for row in response.context["queue"].rows]


def test_queue_is_sorted_by_time_to_breach_with_breached_first_and_paused_last(queue, agent_client):
    response = agent_client.get("/desk/")
    assert _order(response) == ["breached", "at risk", "later", "overseas", "paused"]
    html = response.content.decode()
    positions = [
        html.index(f'data-ticket="{queue[k].pk}"')
        for k in ("breached", "at_risk", "later", "overseas", "paused")
    ]
    assert positions == sorted(positions)


def test_rows_carry_live_states_and_the_page_counts_them(queue, agent_client):
    response = agent_client.get("/desk/")
    states = {row.ticket.subject: row.state for row in response.context["queue"].rows}
    assert states == {
        "breached": "breached",
        "at risk": "at_risk",
        "later": "on_track",
        "overseas": "on_track",
        "paused": "paused",
    }
    counts = {state: n for state, _label, n in response.context["queue"].counts}
    assert counts == {"breached": 1, "at_risk": 1, "on_track": 2, "paused": 1, "no_sla": 0}
    # The at-risk row's bar shows 50 of 60 minutes used.
    at_risk = next(r for r in response.context["queue"].rows if r.state == "at_risk")
    assert at_risk.clock.elapsed_seconds == 50 * 60


def test_countdowns_carry_the_deadline_for_the_script(queue, agent_client):
    html = agent_client.get("/desk/").content.decode()
    assert 'data-deadline="2025-03-03T14:30:00+00:00"' in html  # 09:30 EST, the breach
    assert "30m 00s overdue" in html
    assert "1h 00m 00s left" not in html
    assert "10m 00s left" in html  # the at-risk ticket, due 10:10


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"priority": "4"}, ["later"]),
        ({"status": "waiting"}, ["paused"]),
        ({"within": "1"}, ["breached", "at risk"]),
    ],
)
def test_filters(queue, agent_client, params, expected):
    assert _order(agent_client.get("/desk/", params)) == expected


def test_customer_and_mine_filters(queue, acme, globex, agent_client):
    assert _order(agent_client.get("/desk/", {"customer": globex.customer.pk})) == ["overseas"]
    ts.assign_ticket(ticket=queue["later"], actor=acme.agent, assignee=acme.agent)
    assert _order(agent_client.get("/desk/", {"mine": "on"})) == ["later"]


def test_an_invalid_filter_value_is_ignored_not_fatal(queue, agent_client):
    response = agent_client.get("/desk/", {"within": "soon", "priority": "4"})
    assert response.status_code == 200
    assert _order(response) == ["later"]


def test_rows_partial_is_the_table_body_with_counts_out_of_band(queue, agent_client):
    response = agent_client.get(
        "/desk/queue/rows/",
        {"priority": "4"},
        headers={"HX-Request": "true", "HX-Trigger": "queue-filters"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<tbody id="queue-rows"')
    assert 'hx-trigger="every 30s"' in html
    assert 'id="queue-counts" class="stats" hx-swap-oob="true"' in html
    assert "<html" not in html
    assert response["HX-Push-Url"] == "/desk/?priority=4"


def test_polling_the_rows_does_not_push_a_url(queue, agent_client):
    response = agent_client.get(
        "/desk/queue/rows/", headers={"HX-Request": "true", "HX-Trigger": "queue-rows"}
    )
    assert response.status_code == 200
    assert "HX-Push-Url" not in response


def test_the_page_polls_every_30_seconds_and_filters_without_reload(queue, agent_client):
    html = agent_client.get("/desk/").content.decode()
    assert 'hx-get="/desk/queue/rows/"' in html
    assert 'hx-trigger="every 30s"' in html
    assert 'hx-trigger="change, submit"' in html
    assert 'method="get" action="/desk/"' in html  # works without JavaScript


def test_resolved_tickets_leave_the_queue(queue, acme, agent_client):
    ts.acknowledge_ticket(ticket=queue["later"], actor=acme.agent)
    ts.resolve_ticket(ticket=queue["later"], actor=acme.agent)
    assert "later" not in _order(agent_client.get("/desk/"))


def test_the_queue_costs_the_same_queries_for_more_tickets(
    queue, acme, agent_client, django_assert_num_queries
):
    """No query per row: tickets, their clocks and calendars come in a fixed number of queries."""
    agent_client.get("/desk/")  # warm the compiled-calendar cache
    with CaptureQueriesContext(connection) as few:
        agent_client.get("/desk/")
    for i in range(5):
        ts.open_ticket(customer=acme.customer, asset=acme.asset, subject=f"more {i}")
    with django_assert_num_queries(len(few)):
        agent_client.get("/desk/")


def test_page_clocks_read_the_calendars_with_the_clocks(queue, acme, globex):
    """One query for the clocks and their calendars; each calendar one instance, equal field
    for field to what the ORM reads (two calendars: New York and Shanghai)."""
    from servicepact.contracts.models import Calendar
    from servicepact.desk.queue import page_clocks
    from servicepact.tickets.models import SlaClock, Ticket

    tickets = list(Ticket.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        found = page_clocks(tickets)
    assert len(queries) == 1
    clocks = [clock for ticket in tickets for clock in found[ticket.pk]]
    stored = SlaClock.objects.filter(ticket__in=tickets).order_by("ticket_id", "metric")
    assert [(c.ticket_id, c.metric, c.deadline_at) for c in clocks] == [
        (c.ticket_id, c.metric, c.deadline_at) for c in stored
    ]
    calendars = {c.calendar_id: c.calendar for c in clocks}
    assert len(calendars) == 2
    for pk, calendar in calendars.items():
        assert {c.calendar for c in clocks if c.calendar_id == pk} == {calendar}
        assert sum(c.calendar is calendar for c in clocks) == sum(
            c.calendar_id == pk for c in clocks
        )
        orm = Calendar.objects.get(pk=pk)
        mine = {k: v for k, v in vars(calendar).items() if k != "_state"}
        assert mine == {k: v for k, v in vars(orm).items() if k != "_state"}
        assert calendar._state.db == orm._state.db and not calendar._state.adding
