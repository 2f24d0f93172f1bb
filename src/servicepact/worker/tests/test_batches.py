"""Due clocks in batches: one transaction per batch of tickets (``tickets.due.BATCH_TICKETS``).

A batch in which one ticket fails is rolled back and done again ticket by ticket: the other
tickets' work is kept, the failing ticket stays due, nothing is queued or sent twice. The
number of queries of a batch does not grow with its tickets. On PostgreSQL a second worker
skips the tickets of a batch another worker holds (``SKIP LOCKED``) and never escalates them
a second time.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.models import Notification
from servicepact.tickets import due
from servicepact.tickets import services as ts
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.models import TicketEvent as TicketEventModel

from .conftest import FR, Setup, open_network_tickets, setup_contract
from .test_crash import HALF, OPENED, crossings

pytestmark = pytest.mark.django_db


def open_staggered(clock, n: int, *, first=OPENED, s: Setup | None = None) -> list[Ticket]:
    """``n`` P1 tickets assigned to the agent, opened one second apart from ``first``: their
    first-response 50 % falls due in that order (30 min after each opening)."""
    return open_network_tickets(s or setup_contract(), n, clock=clock, first=first)


def outbox_of(ticket: Ticket) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(ticket_id=ticket.pk).values_list("channel", "status"))


def test_a_ticket_failing_in_its_batch_costs_the_others_nothing_and_nothing_is_sent_twice(
    clock, monkeypatch
):
    """Ten tickets in batches of four. The escalation of the sixth (in the second batch)
    raises after it queued its rows: that batch is rolled back and redone ticket by ticket.
    The nine others are recorded and queued once; the sixth has no event, no row, and its
    clock is still due. The next pass does it; every ticket ends with one 50 % event and its
    two rows sent once (ten e-mails, ten distinct deliveries)."""
    monkeypatch.setattr(due, "BATCH_TICKETS", 4)
    tickets = open_staggered(clock, 10)
    victim = tickets[5]
    original = due.escalate
    calls: list[int] = []

    def crash_on_victim(ticket, *args):
        calls.append(ticket.pk)
        original(ticket, *args)
        if ticket.pk == victim.pk:
            raise RuntimeError("escalation failed")

    monkeypatch.setattr(due, "escalate", crash_on_victim)
    moment = HALF + timedelta(seconds=10)
    clock.at(moment)
    report = due.process_due_clocks(now=moment)
    assert (report.tickets, report.thresholds, report.failed) == (10, 10, 1)
    assert report.errors == [f"ticket {victim.pk}: RuntimeError: escalation failed"]
    assert deliver_due(now=moment).sent == 9 * 2
    # Batch 2 (tickets 4..7) ran twice: as a batch (rolled back at the victim), then alone.
    assert Counter(calls) == Counter({t.pk: 2 if 4 <= i <= 5 else 1 for i, t in enumerate(tickets)})
    assert set(crossings()) == {(t.pk, 50) for t in tickets if t.pk != victim.pk}
    assert outbox_of(victim) == []
    fr = SlaClock.objects.get(ticket=victim, metric=FR)
    assert (fr.last_threshold, fr.next_check_at) == (0, HALF + timedelta(seconds=5))
    for t in tickets:
        if t.pk != victim.pk:
            assert outbox_of(t) == [("email", "sent"), ("in_app", "sent")]

    monkeypatch.setattr(due, "escalate", original)
    again = due.process_due_clocks(now=moment)
    assert (again.tickets, again.thresholds, again.failed) == (1, 1, 0)
    assert deliver_due(now=moment).sent == 2
    assert crossings() == Counter({(t.pk, 50): 1 for t in tickets})
    assert all(outbox_of(t) == [("email", "sent"), ("in_app", "sent")] for t in tickets)
    deliveries = Counter(m.extra_headers["X-ServicePact-Delivery"] for m in mail.outbox)
    assert len(deliveries) == 10 and set(deliveries.values()) == {1}


def test_a_failure_before_any_write_is_isolated_the_same_way(clock, monkeypatch):
    """The engine step (refresh) raises for one ticket of a batch of five: its batch is
    redone ticket by ticket, the four others are escalated once, the failing one stays due."""
    tickets = open_staggered(clock, 5)
    victim = tickets[2]
    original = due.refresh_many

    def refresh_failing(batch, **kwargs):
        if any(t.pk == victim.pk for t in batch):
            raise ValueError("calendar span exceeded")
        return original(batch, **kwargs)

    monkeypatch.setattr(due, "refresh_many", refresh_failing)
    clock.at(HALF + timedelta(seconds=10))
    report = due.process_due_clocks(now=HALF + timedelta(seconds=10))
    assert (report.tickets, report.thresholds, report.failed) == (5, 4, 1)
    assert set(crossings()) == {(t.pk, 50) for t in tickets if t.pk != victim.pk}
    assert Notification.objects.filter(ticket_id=victim.pk).count() == 0
    assert Notification.objects.count() == 4 * 2
    assert SlaClock.objects.get(ticket=victim, metric=FR).last_threshold == 0


def test_the_queries_of_a_batch_do_not_grow_with_its_tickets(clock):
    """Three due tickets, then nine (one batch each pass): the same number of queries. (The
    batch's clocks and queue columns are one executemany each, counted once.)"""
    s = setup_contract()
    open_staggered(clock, 3, s=s)
    open_staggered(clock, 9, first=OPENED + timedelta(minutes=10), s=s)
    counts = []
    for moment, expected in ((HALF + timedelta(minutes=1), 3), (HALF + timedelta(minutes=11), 9)):
        clock.at(moment)
        with CaptureQueriesContext(connection) as queries:
            report = due.process_due_clocks(now=moment)
        assert (report.tickets, report.thresholds, report.failed) == (expected, expected, 0)
        counts.append(len(queries))
    assert Notification.objects.count() == 12 * 2
    assert counts[0] == counts[1], counts


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_the_batch_another_holds_and_never_escalates_it_twice(clock):
    """Two workers, each with its own connection. Worker A claims the six earliest due
    tickets and holds its batch's transaction open (inside its first escalation). Worker B,
    meanwhile, finds all twelve due, skips A's six (locked) and escalates the other six, which
    are then all that is committed. A then commits. Every clock has one 50 % event and every ticket two outbox rows; a third pass
    finds nothing due."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; SQLite serialises writers (one at a time)")
    tickets = open_staggered(clock, 12)
    moment = HALF + timedelta(minutes=1)
    clock.at(moment)
    holding, release = threading.Event(), threading.Event()
    original = due.escalate
    results: dict[str, due.DueReport] = {}
    failures: list[BaseException] = []

    def escalate_and_hold(ticket, *args):
        original(ticket, *args)
        if threading.current_thread().name == "A" and not holding.is_set():
            holding.set()
            assert release.wait(60), "worker B did not finish"

    def worker_a() -> None:
        try:
            results["A"] = due.process_due_clocks(now=moment, batch=6)
        except BaseException as exc:  # surfaced below
            failures.append(exc)
        finally:
            connections.close_all()

    due.escalate = escalate_and_hold
    try:
        a = threading.Thread(target=worker_a, name="A")
        a.start()
        assert holding.wait(60), failures
        try:
            results["B"] = due.process_due_clocks(now=moment, batch=100)
            # A has not committed yet: what is recorded is B's, the six A does not hold.
            committed_by_b = set(crossings())
        finally:
            release.set()
            a.join(60)
    finally:
        due.escalate = original
    assert not failures, failures
    assert (results["A"].tickets, results["A"].skipped, results["A"].failed) == (6, 0, 0)
    assert (results["B"].candidates, results["B"].skipped) == (12, 6)
    assert (results["B"].tickets, results["B"].thresholds, results["B"].failed) == (6, 6, 0)
    assert committed_by_b == {(t.pk, 50) for t in tickets[6:]}
    assert crossings() == Counter({(t.pk, 50): 1 for t in tickets})
    rows = Counter(Notification.objects.values_list("ticket_id", flat=True))
    assert rows == Counter({t.pk: 2 for t in tickets})
    assert due.process_due_clocks(now=moment).candidates == 0


def test_refresh_many_stores_what_each_ticket_evaluated_alone_shows(clock):
    """Tickets in different states on two calendars (24x7 and New York business hours):
    running, paused, acknowledged, breached, resolved. ``refresh_many`` over all of them
    (one engine call per compiled calendar) stores, clock by clock, what ``evaluate_live``
    computes for each ticket alone with ``evaluate_clock``; one breach event per breached
    clock; the queue columns are those of each ticket's results."""
    from servicepact.tickets.refresh import evaluate_live, queue_columns, refresh_many

    from .conftest import business_hours

    sites = [setup_contract(code="acme"), setup_contract(code="bhq", calendar=business_hours())]
    clock.at(OPENED)
    tickets = [
        (s, t)
        for s in sites
        for impact in (1, 3)
        for t in open_network_tickets(s, 1, impact=impact, assign=False)
    ]
    clock.at(OPENED + timedelta(minutes=20))
    s0, paused = tickets[0]
    ts.acknowledge_ticket(ticket=paused, actor=s0.agent)
    ts.pause_ticket(ticket=paused, actor=s0.agent, reason="waiting for the customer")
    s1, acked = tickets[1]
    ts.acknowledge_ticket(ticket=acked, actor=s1.agent)
    s3, resolved = tickets[3]
    ts.acknowledge_ticket(ticket=resolved, actor=s3.agent)
    ts.resolve_ticket(ticket=resolved, actor=s3.agent, resolution="fixed")
    moment = OPENED + timedelta(hours=9)
    clock.at(moment)
    rows = list(Ticket.objects.filter(pk__in=[t.pk for _s, t in tickets]).order_by("pk"))
    refreshed = refresh_many(rows, now=moment)
    breaches = 0
    for ticket in rows:
        live = {c.clock.metric: c.result for c in evaluate_live(ticket, moment)}
        stored = {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}
        assert set(live) == set(stored) == {c.metric for c, _r in refreshed[ticket.pk]}
        for metric, result in live.items():
            row = stored[metric]
            assert result is not None
            assert (row.state, row.deadline_at, row.elapsed_seconds, row.stopped_at) == (
                str(result.state),
                result.deadline,
                result.elapsed_seconds,
                result.stopped_at,
            )
            breaches += row.breach_recorded
        fresh = Ticket.objects.get(pk=ticket.pk)
        columns = queue_columns([r for r in live.values() if r is not None], moment)
        assert (fresh.next_deadline_at, fresh.sla_state) == (
            columns.next_deadline_at,
            columns.sla_state,
        )
    assert breaches >= 1
    assert (
        TicketEventModel.objects.filter(
            ticket_id__in=[t.pk for t in rows], kind=EventKind.BREACHED
        ).count()
        == breaches
    )
