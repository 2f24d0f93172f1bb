"""A clock whose stop event can no longer happen ends as "not required" (tickets.clocks
``ended_unrequired``, tickets.refresh ``settle``); clocks stored before that rule heal."""

from __future__ import annotations

import pytest

from servicepact.contracts.choices import Metric
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind
from servicepact.tickets.clocks import EventFact, clock_events, ended_unrequired
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.services import recompute_stale_clocks
from servicepact.tickets.testing import ny, world

pytestmark = pytest.mark.django_db

A, B, C, D = ny(2025, 6, 9, 10), ny(2025, 6, 9, 11), ny(2025, 6, 9, 12), ny(2025, 6, 9, 13)


def facts(*pairs):
    return [EventFact(at=at, kind=kind) for at, kind in pairs]


def test_the_resolution_ends_the_on_site_clock_unrequired():
    events = facts((A, EventKind.OPENED), (B, EventKind.RESOLVED))
    assert [e.kind for e in clock_events(Metric.ON_SITE, events)] == ["start", "stop"]
    assert ended_unrequired(Metric.ON_SITE, events, B) is True


def test_an_arrival_is_a_real_stop_even_at_the_resolution_instant():
    events = facts((A, EventKind.OPENED), (B, EventKind.ONSITE_ARRIVED), (B, EventKind.RESOLVED))
    assert ended_unrequired(Metric.ON_SITE, events, B) is False


def test_other_metrics_never_end_unrequired():
    """The resolution is the resolution clock's own stop: met, not "not required"."""
    events = facts((A, EventKind.OPENED), (B, EventKind.RESOLVED))
    assert ended_unrequired(Metric.RESOLUTION, events, B) is False
    assert ended_unrequired(Metric.RESTORE, events, B) is False


def test_a_reopening_continues_an_ended_clock_but_not_an_arrived_one():
    ended = facts((A, EventKind.OPENED), (B, EventKind.RESOLVED), (C, EventKind.REOPENED))
    assert [e.kind for e in clock_events(Metric.ON_SITE, ended)] == ["start", "stop", "start"]
    arrived = facts(
        (A, EventKind.OPENED),
        (B, EventKind.ONSITE_ARRIVED),
        (C, EventKind.RESOLVED),
        (D, EventKind.REOPENED),
    )
    assert [e.kind for e in clock_events(Metric.ON_SITE, arrived)] == ["start", "stop", "stop"]


def test_a_clock_stored_running_on_a_resolved_ticket_is_healed(clock):
    """A database from before the rule: the on-site clock of a ticket resolved at 10:30 was
    stored running. The worker's stale-clock pass re-derives it: not required, stopped at
    the resolution, nothing left due."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="PSU", impact=1, urgency=1)
    ts.acknowledge_ticket(ticket=ticket, actor=w.agent)
    clock.at(ny(2025, 6, 9, 10, 30))
    ts.resolve_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=w.agent, resolution="x")
    SlaClock.objects.filter(ticket=ticket, metric=Metric.ON_SITE).update(
        state=ClockState.RUNNING, stopped_at=None, next_check_at=ny(2025, 6, 9, 12)
    )
    assert recompute_stale_clocks() == 1
    on_site = SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE)
    assert (on_site.state, on_site.stopped_at, on_site.next_check_at) == (
        ClockState.NOT_REQUIRED,
        ny(2025, 6, 9, 10, 30),
        None,
    )
    assert recompute_stale_clocks() == 0
