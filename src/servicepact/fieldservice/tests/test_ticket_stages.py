"""A work order drives the ticket's own stages: the first one dispatches (the dispatch
event), the first arrival stops the on-site clock at exactly its instant."""

from __future__ import annotations

import pytest

from servicepact.contracts.choices import Metric
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.fieldservice import services
from servicepact.fieldservice.models import WorkOrder
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind
from servicepact.tickets.models import SlaClock

from .conftest import ny, p1_ticket, visit

pytestmark = pytest.mark.django_db


def onsite_clock(ticket):
    return SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE)


def test_arrival_stops_the_onsite_clock_at_the_arrival_instant(acme, erin, clock):
    """P1 opened Mon 2025-06-09 09:00 EDT, on-site target 240 min (due 13:00). The engineer
    arrives at 12:44:30, recorded at 14:10: the clock is met with 3 h 44 min 30 s = 13470 s
    elapsed, stopped at 12:44:30 — not at 14:10, when it would have been breached."""
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    order = visit(acme, ticket, erin, ny(2025, 6, 9, 12))
    clock.at(ny(2025, 6, 9, 14, 10))
    services.record_arrival(work_order=order, actor=acme.agent, at=ny(2025, 6, 9, 12, 44, 30))
    c = onsite_clock(ticket)
    assert (c.state, c.elapsed_seconds) == (ClockState.MET, 13470)
    arrived = ticket.events.get(kind=EventKind.ONSITE_ARRIVED)
    assert arrived.at == ny(2025, 6, 9, 12, 44, 30)
    assert arrived.data["engineer"] == "erin"
    assert not ticket.events.filter(kind=EventKind.BREACHED, data__metric=Metric.ON_SITE).exists()


def test_creating_the_first_work_order_is_the_dispatch_a_second_is_not(acme, erin, clock):
    """Work order 1 at 09:20 records the ticket's dispatch at 09:20 and arrives then (on-site
    clock met after 20 min); work order 2 (a second visit, next day) records no second
    dispatch and no second arrival: the clock keeps its 1200 s."""
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    clock.at(ny(2025, 6, 9, 9, 20))
    first = visit(acme, ticket, erin, ny(2025, 6, 9, 11))
    assert list(ticket.events.filter(kind=EventKind.DISPATCHED).values_list("at", flat=True)) == [
        ny(2025, 6, 9, 9, 20)
    ]
    services.record_arrival(work_order=first, actor=acme.agent)
    clock.at(ny(2025, 6, 10, 8))
    second = visit(acme, ticket, erin, ny(2025, 6, 10, 10))
    clock.at(ny(2025, 6, 10, 10, 5))
    services.record_arrival(work_order=second, actor=acme.agent)
    assert ticket.events.filter(kind=EventKind.DISPATCHED).count() == 1
    assert ticket.events.filter(kind=EventKind.ONSITE_ARRIVED).count() == 1
    assert onsite_clock(ticket).elapsed_seconds == 20 * 60  # opened 09:00, arrived 09:20


def test_no_work_order_for_a_resolved_ticket(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    ts.resolve_ticket(ticket=ticket, actor=acme.agent)
    with pytest.raises(TransitionError):
        visit(acme, ticket, erin, ny(2025, 6, 9, 11))
    assert not WorkOrder.objects.exists()
    assert not ticket.events.filter(kind=EventKind.DISPATCHED).exists()


def test_arrival_before_the_dispatch_is_422_on_at_and_stops_nothing(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    clock.at(ny(2025, 6, 9, 10))
    order = visit(acme, ticket, erin, ny(2025, 6, 9, 11))
    with pytest.raises(DomainValidationError) as refused:
        services.record_arrival(work_order=order, actor=acme.agent, at=ny(2025, 6, 9, 9, 30))
    assert set(refused.value.errors) == {"at"}
    assert not ticket.events.filter(kind=EventKind.ONSITE_ARRIVED).exists()
    assert onsite_clock(ticket).state == ClockState.RUNNING
