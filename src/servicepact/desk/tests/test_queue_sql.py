"""The queue in SQL: bounded queries (LIMIT, constant count), keyset pages, counts per SLA state
from the stored columns, and those columns following every transition of a ticket (compared
with the live evaluation of its clocks from its events)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.contracts.services import set_calendar_hours
from servicepact.desk import queue as desk_queue
from servicepact.tickets import services as ts
from servicepact.tickets.choices import OPEN_STATUSES, Category
from servicepact.tickets.live import clocks_for_ticket, ticket_state
from servicepact.tickets.models import Ticket
from servicepact.tickets.sla_state import SlaState, state_filters

from .conftest import ny

pytestmark = pytest.mark.django_db


def _open(world, subject, priority=3):
    return ts.open_ticket(
        customer=world.customer,
        asset=world.asset,
        subject=subject,
        priority=priority,
        category=Category.NETWORK,
    )


def stored_state(ticket: Ticket, now: datetime) -> str:
    """The state the queue counts in SQL for this ticket (exactly one filter matches)."""
    matches = [
        state
        for state, q in state_filters(now).items()
        if Ticket.objects.filter(q, pk=ticket.pk).exists()
    ]
    assert len(matches) == 1, matches
    return matches[0]


def live_state(ticket: Ticket, now: datetime) -> str:
    return ticket_state(clocks_for_ticket(Ticket.objects.get(pk=ticket.pk), now))


PROBES = (
    timedelta(0),
    timedelta(minutes=20),
    timedelta(minutes=45),
    timedelta(minutes=90),
    timedelta(hours=2, seconds=1),
    timedelta(hours=5),
    timedelta(days=1),
    timedelta(days=3),
)


def assert_follows(ticket: Ticket, now: datetime) -> list[str]:
    """The stored columns say what the live evaluation says, now and at later instants with
    no refresh in between (time alone turns running clocks at risk, then breached)."""
    seen = []
    for offset in PROBES:
        moment = now + offset
        assert stored_state(ticket, moment) == live_state(ticket, moment), offset
        seen.append(stored_state(ticket, moment))
    return seen


# ---------------------------------------------------------------- stored columns


def test_columns_follow_pause_resume_priority_resolve_and_reopen(clock, acme):
    clock.at(ny(2025, 3, 3, 9))
    ticket = _open(acme, "disk", priority=3)  # first response 120 min, resolution 960 min
    states = assert_follows(ticket, ny(2025, 3, 3, 9))
    # 90 of 120 minutes is at risk, 120 min + 1 s breached: time alone moves the state.
    assert states[:5] == ["on_track", "on_track", "on_track", "at_risk", "breached"]
    ticket.refresh_from_db()
    assert ticket.at_risk_from == ny(2025, 3, 3, 10, 30)
    assert ticket.breach_from == ny(2025, 3, 3, 11, 0, 1)

    clock.at(ny(2025, 3, 3, 9, 30))
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)  # first response met
    assert_follows(ticket, ny(2025, 3, 3, 9, 30))

    clock.at(ny(2025, 3, 3, 10))
    ts.pause_ticket(ticket=ticket, actor=acme.agent, reason="logs")
    assert assert_follows(ticket, ny(2025, 3, 3, 10)) == ["paused"] * len(PROBES)
    ticket.refresh_from_db()
    assert (ticket.next_deadline_at, ticket.at_risk_from, ticket.breach_from) == (None,) * 3

    clock.at(ny(2025, 3, 4, 10))
    ts.resume_ticket(ticket=ticket, actor=acme.agent)
    assert_follows(ticket, ny(2025, 3, 4, 10))

    clock.at(ny(2025, 3, 4, 11))
    ts.change_priority(ticket=ticket, actor=acme.agent, priority=1, reason="outage")
    states = assert_follows(ticket, ny(2025, 3, 4, 11))
    assert "breached" in states

    clock.at(ny(2025, 3, 4, 12))
    ts.resolve_ticket(ticket=ticket, actor=acme.agent)
    assert_follows(ticket, ny(2025, 3, 4, 12))

    clock.at(ny(2025, 3, 5, 9))
    ts.reopen_ticket(ticket=ticket, actor=acme.agent, reason="back again")
    assert_follows(ticket, ny(2025, 3, 5, 9))


def test_columns_follow_a_breach_recorded_by_the_worker(clock, acme):
    from servicepact.tickets.due import process_due_clocks

    clock.at(ny(2025, 3, 3, 9))
    ticket = _open(acme, "switch", priority=1)  # first response 30 min
    clock.at(ny(2025, 3, 3, 10))
    report = process_due_clocks(now=ny(2025, 3, 3, 10))
    assert report.tickets == 1
    ticket.refresh_from_db()
    assert ticket.sla_state == SlaState.BREACHED  # stored by the worker's refresh
    assert assert_follows(ticket, ny(2025, 3, 3, 10))[0] == "breached"


def test_columns_follow_a_calendar_edit_once_the_stale_clocks_are_recomputed(clock, acme):
    clock.at(ny(2025, 3, 3, 9))
    ticket = _open(acme, "fan", priority=3)
    ticket.refresh_from_db()
    before = ticket.breach_from
    # Mornings only from now on: 120 business minutes end later than 11:00.
    set_calendar_hours(
        calendar=acme.calendar,
        weekly={d: [["09:00", "10:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        effective_from=date(2025, 3, 3),
    )
    assert ts.recompute_stale_clocks() == 1
    ticket.refresh_from_db()
    assert ticket.breach_from is not None and ticket.breach_from > before
    assert_follows(ticket, ny(2025, 3, 3, 9))


def test_a_ticket_without_clocks_is_no_sla(clock, acme):
    clock.at(ny(2025, 3, 3, 9))
    ticket = _open(acme, "x")
    ticket.clocks.all().delete()
    desk_queue_ticket = Ticket.objects.get(pk=ticket.pk)
    from servicepact.tickets.refresh import store_queue_columns

    store_queue_columns(desk_queue_ticket, [], now=ny(2025, 3, 3, 9))
    assert stored_state(ticket, ny(2025, 3, 3, 9)) == live_state(ticket, ny(2025, 3, 3, 9))
    assert stored_state(ticket, ny(2025, 3, 3, 9)) == "no_sla"


def test_backfill_writes_the_columns_a_refresh_writes(clock, acme):
    from servicepact.tickets.refresh import backfill_queue_columns

    clock.at(ny(2025, 3, 3, 9))
    ticket = _open(acme, "disk", priority=2)
    clock.at(ny(2025, 3, 3, 9, 50))
    expected = Ticket.objects.values("sla_state", "at_risk_from", "breach_from").get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_state=SlaState.NO_SLA, at_risk_from=None, breach_from=None
    )
    assert backfill_queue_columns(now=ny(2025, 3, 3, 9, 50)) == 1
    row = Ticket.objects.values("sla_state", "at_risk_from", "breach_from").get(pk=ticket.pk)
    # 50 of 60 minutes used at the backfill: at risk, with the same instants.
    assert row == {**expected, "sla_state": SlaState.AT_RISK}


# ---------------------------------------------------------------- the queue's queries


@pytest.fixture
def many(clock, acme, globex):
    """Tickets with ties: same deadlines (opened together), paused ones (no deadline), several
    priorities and customers, and resolved ones that must not show."""
    clock.at(ny(2025, 3, 3, 9))
    made = []
    for i in range(6):
        made.append(_open(acme, f"same {i}", priority=2))
    for i in range(4):
        t = _open(globex if i % 2 else acme, f"paused {i}", priority=3)
        ts.acknowledge_ticket(ticket=t, actor=acme.agent)
        ts.pause_ticket(ticket=t, actor=acme.agent, reason="wait")
        made.append(t)
    for minute, priority in ((5, 1), (10, 4), (15, 3), (20, 1), (25, 2)):
        clock.at(ny(2025, 3, 3, 9, minute))
        made.append(_open(acme, f"p{priority} at {minute}", priority=priority))
        made.append(_open(globex, f"globex p{priority} at {minute}", priority=priority))
    done = _open(acme, "done", priority=4)
    ts.acknowledge_ticket(ticket=done, actor=acme.agent)
    ts.resolve_ticket(ticket=done, actor=acme.agent)
    clock.at(ny(2025, 3, 3, 9, 50))
    return made


def _brute_order() -> list[int]:
    far = datetime.max.replace(tzinfo=ny(2025, 1, 1).tzinfo)
    rows = Ticket.objects.filter(status__in=OPEN_STATUSES)
    key = [(t.next_deadline_at or far, t.priority, t.opened_at, t.pk) for t in rows]
    return [k[3] for k in sorted(key)]


def _walk(agent_client, params=None):
    pages, after = [], ""
    while True:
        query = dict(params or {})
        if after:
            query["after"] = after
        response = agent_client.get("/desk/", query)
        assert response.status_code == 200
        q = response.context["queue"]
        pages.append([row.ticket.pk for row in q.rows])
        if not q.next_cursor:
            return pages, response
        assert 'rel="next"' in response.content.decode()
        after = q.next_cursor


def test_keyset_pages_return_every_open_ticket_once_in_queue_order(many, agent_client, monkeypatch):
    monkeypatch.setattr(desk_queue, "PAGE_SIZE", 4)
    pages, last = _walk(agent_client)
    assert all(len(p) == 4 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 4
    seen = [pk for page in pages for pk in page]
    assert seen == _brute_order()
    assert len(seen) == len(set(seen)) == 20
    assert "First page" in last.content.decode()
    assert "Next page" not in last.content.decode()


def test_keyset_pages_keep_the_filters(many, globex, agent_client, monkeypatch):
    monkeypatch.setattr(desk_queue, "PAGE_SIZE", 3)
    pages, _ = _walk(agent_client, {"customer": globex.customer.pk})
    seen = [pk for page in pages for pk in page]
    expected = [
        pk for pk in _brute_order() if Ticket.objects.get(pk=pk).customer_id == globex.customer.pk
    ]
    assert seen == expected and len(seen) == 7


def test_a_malformed_cursor_shows_the_first_page(many, agent_client, monkeypatch):
    monkeypatch.setattr(desk_queue, "PAGE_SIZE", 4)
    first = agent_client.get("/desk/").context["queue"]
    for bad in ("nonsense", "e30", "WzEsMiwzXQ", "!!"):
        response = agent_client.get("/desk/", {"after": bad})
        assert response.status_code == 200
        got = response.context["queue"]
        assert [r.ticket.pk for r in got.rows] == [r.ticket.pk for r in first.rows]
        assert got.after == ""


def test_counts_per_state_equal_a_brute_force_count_as_time_passes(many, clock, agent_client):
    open_tickets = list(Ticket.objects.filter(status__in=OPEN_STATUSES))
    for moment in (ny(2025, 3, 3, 9, 50), ny(2025, 3, 3, 10, 20), ny(2025, 3, 3, 16)):
        clock.at(moment)
        q = agent_client.get("/desk/").context["queue"]
        brute = {state: 0 for state in SlaState.values}
        for t in open_tickets:
            brute[live_state(t, moment)] += 1
        counts = {state: n for state, _label, n in q.counts}
        # A ticket is never "not required" (only a clock is): that state has no count.
        assert brute["not_required"] == 0
        assert counts == {
            s: n for s, n in brute.items() if s != "not_required" and (s != "met" or n)
        }
        assert q.total == len(open_tickets) == 20
        # The rows shown carry the same state as the counts.
        for row in q.rows:
            assert row.state == live_state(row.ticket, moment)
    assert counts["breached"] > 0 and counts["paused"] == 4


def _queue_selects(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and 'FROM "tickets_ticket"' in q["sql"]
    ]


def test_the_queue_reads_one_page_with_a_limit_and_counts_in_one_query(
    many, agent_client, monkeypatch
):
    with CaptureQueriesContext(connection) as ctx:
        agent_client.get("/desk/")
    selects = _queue_selects(ctx.captured_queries)
    rows = [s for s in selects if "ORDER BY" in s]
    assert len(rows) == 1
    assert re.search(rf"LIMIT {desk_queue.PAGE_SIZE + 1}\b", rows[0])
    assert '"tickets_ticket"."status" IN' in rows[0] and "NOT" not in rows[0].split("WHERE")[1]
    counts = [s for s in selects if "COUNT(" in s]
    assert len(counts) == 1  # total and every state in one aggregate


@pytest.mark.parametrize("path", ["/desk/", "/desk/queue/rows/"])
def test_query_count_is_the_same_for_5_and_60_open_tickets(clock, acme, agent_client, path):
    clock.at(ny(2025, 3, 3, 9))
    for i in range(5):
        _open(acme, f"t{i}", priority=1 + i % 4)
    clock.at(ny(2025, 3, 3, 10))
    agent_client.get(path)  # warm the compiled-calendar cache
    with CaptureQueriesContext(connection) as few:
        agent_client.get(path)
    clock.at(ny(2025, 3, 3, 9))
    for i in range(55):
        _open(acme, f"more {i}", priority=1 + i % 4)
    clock.at(ny(2025, 3, 3, 10))
    with CaptureQueriesContext(connection) as more:
        response = agent_client.get(path)
    assert len(more) == len(few)
    assert response.context["queue"].total == 60
    assert len(response.context["queue"].rows) == desk_queue.PAGE_SIZE


def test_the_poll_of_a_later_page_keeps_its_cursor(many, agent_client, monkeypatch):
    monkeypatch.setattr(desk_queue, "PAGE_SIZE", 4)
    cursor = agent_client.get("/desk/").context["queue"].next_cursor
    response = agent_client.get("/desk/queue/rows/", {"after": cursor})
    html = response.content.decode()
    assert f'hx-vals=\'{{"after": "{cursor}"}}\'' in html
    first = agent_client.get("/desk/queue/rows/").content.decode()
    assert "hx-vals" not in first
    assert response.context["queue"].rows[0].ticket.pk == _brute_order()[4]
