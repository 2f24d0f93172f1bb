"""Events of a ticket in the same second: the replay orders them as the statements do
(``billing.clockdata``: by ticket, second, then id), though it reads events without their id
(``tiers.replay._events``: those tickets' events are read again with it).

billing.testing's June world; the ticket below is opened in July, so the July replay under
the contract's own plan must equal the stored clocks (``load_clocks``) clock by clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from servicepact.billing.clockdata import ClockSet, load_clocks
from servicepact.billing.testing import _open, _step, june_month, ny
from servicepact.tickets import services as ts
from servicepact.tickets.choices import EventKind, Status
from servicepact.tickets.models import Ticket, TicketEvent
from servicepact.tickets.refresh import refresh_clocks
from servicepact.tiers.comparison import plan_terms_of
from servicepact.tiers.replay import replay_clocks

pytestmark = pytest.mark.django_db

SINCE, NOW = ny(2025, 7, 1), ny(2025, 8, 1, 12)


@pytest.fixture
def june(clock):
    return june_month(clock)


def _by_clock(every: ClockSet) -> dict[tuple[int, str], tuple[int, int, int, bool, list]]:
    """The clocks decided in the period (what a statement counts), by ticket and metric."""
    clocks = every.take(every.decided_between(SINCE, NOW))
    return {
        (int(clocks.ticket_id[i]), clocks.metrics[int(clocks.metric[i])]): (
            int(clocks.start[i]),
            int(clocks.stop[i]),
            int(clocks.elapsed[i]),
            bool(clocks.breached[i]),
            clocks.pause_rows(i),
        )
        for i in range(len(clocks))
    }


def _replayed_and_stored(june) -> tuple[dict, dict]:
    contract = june.contract
    replayed = replay_clocks(
        contract_ids=[contract.pk],
        since=SINCE,
        cutoff=NOW,
        terms_of=plan_terms_of(contract, contract.plan),
    )
    stored = load_clocks(since=SINCE, cutoff=NOW, contract_ids=[contract.pk])
    return _by_clock(replayed), _by_clock(stored)


def _waiting_ticket(june, clock) -> Ticket:
    w = june.world
    ticket = _open(w, clock, ny(2025, 7, 7, 9), "Same second", impact=2, urgency=2)
    _step(clock, ny(2025, 7, 7, 9, 5), ts.acknowledge_ticket, ticket, actor=w.agent)
    _step(clock, ny(2025, 7, 7, 10), ts.pause_ticket, ticket, actor=w.agent, reason="logs")
    return ticket


def resumed_and_paused_in_one_second(june, clock) -> Ticket:
    """A ticket waiting from 10:00, resumed and paused again at 11:00 (one instant), resumed
    at 15:00 and resolved the next day."""
    w = june.world
    ticket = _waiting_ticket(june, clock)
    _step(clock, ny(2025, 7, 7, 11), ts.resume_ticket, ticket, actor=w.agent)
    _step(clock, ny(2025, 7, 7, 11), ts.pause_ticket, ticket, actor=w.agent, reason="more")
    _step(clock, ny(2025, 7, 7, 15), ts.resume_ticket, ticket, actor=w.agent)
    _step(clock, ny(2025, 7, 8, 10), ts.resolve_ticket, ticket, actor=w.agent, resolution="ok")
    return ticket


def test_resume_and_pause_in_one_second_replay_as_the_live_clocks(june, clock):
    """Resumed and paused again at 11:00 (one instant): live, the waits are 10:00-11:00 and
    11:00-15:00 (one wait 10-15). In the other order the second pause would come while
    paused and the resume after it would end the only wait at 11:00: 4 hours apart."""
    ticket = resumed_and_paused_in_one_second(june, clock)
    tied = TicketEvent.objects.filter(ticket=ticket, at=ny(2025, 7, 7, 11))
    assert sorted(tied.values_list("kind", flat=True)) == [EventKind.PAUSED, EventKind.RESUMED]
    # An update writes a new row version: on PostgreSQL the resume (the lower id) now lies
    # after the pause in the table, so a read in table order without the ids gets them in
    # the wrong order (SQLite reads in id order anyway).
    tied.filter(kind=EventKind.RESUMED).update(public=True)

    replayed, stored = _replayed_and_stored(june)
    assert replayed == stored
    resolution = replayed[(ticket.pk, "resolution")]
    assert resolution[4] == [(_s(ny(2025, 7, 7, 10)), _s(ny(2025, 7, 7, 15)))]


def test_events_within_one_second_go_by_id_as_in_the_statements(june, clock):
    """Two events in one second whose ids are in the other order than their instants
    (paused at 11:00:00.7 recorded before resumed at 11:00:00.2): the statements measure
    whole seconds and take same-second events by id (paused, then resumed: the second pause
    comes while paused, the wait ends at 11:00 and the resume at 15:00 does nothing); the
    replay equals them. (Ordered by instant, the wait would run on to 15:00.)"""
    w = june.world
    ticket = _waiting_ticket(june, clock)
    second = ny(2025, 7, 7, 11)
    for kind, at in (
        (EventKind.PAUSED, second + timedelta(microseconds=700_000)),
        (EventKind.RESUMED, second + timedelta(microseconds=200_000)),
        (EventKind.RESUMED, ny(2025, 7, 7, 15)),
    ):
        TicketEvent.objects.create(ticket=ticket, kind=kind, at=at, recorded_at=at)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.IN_PROGRESS)  # as the resume left it
    _step(clock, ny(2025, 7, 8, 10), ts.resolve_ticket, ticket, actor=w.agent, resolution="ok")
    refresh_clocks(Ticket.objects.get(pk=ticket.pk), now=NOW)

    replayed, stored = _replayed_and_stored(june)
    assert replayed == stored
    waits = replayed[(ticket.pk, "resolution")][4]
    assert waits == [(_s(ny(2025, 7, 7, 10)), _s(ny(2025, 7, 7, 11)))]


def _s(moment: datetime) -> int:
    return int(moment.timestamp())


def test_stop_and_end_stage_in_one_second_is_required_as_in_the_statements(june, clock):
    """Resolved and the engineer's arrival on site in one second, the resolution recorded
    first (lower id): the on-site clock stops at the resolution (an end stage), but its stop
    stage happened at that instant too, so it is not "ended unrequired": it counts as met,
    as stored (without the arrival it would be dropped)."""
    w = june.world
    ticket = _open(w, clock, ny(2025, 7, 9, 9), "Down", impact=1, urgency=1)
    _step(clock, ny(2025, 7, 9, 9, 5), ts.acknowledge_ticket, ticket, actor=w.agent)
    moment = ny(2025, 7, 9, 10)
    for kind in (EventKind.RESOLVED, EventKind.ONSITE_ARRIVED):
        TicketEvent.objects.create(ticket=ticket, kind=kind, at=moment, recorded_at=moment)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED, resolved_at=moment)
    refresh_clocks(Ticket.objects.get(pk=ticket.pk), now=NOW)

    replayed, stored = _replayed_and_stored(june)
    assert replayed == stored
    assert replayed[(ticket.pk, "on_site")][1:4] == (_s(moment), 3600, False)
