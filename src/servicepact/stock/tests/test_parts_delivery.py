"""The parts_delivery metric: a seeded definition (metrics are data, ADR 0009) started by the
ticket's first reservation (``part_ordered``) and stopped when every part it waits for is
delivered (``part_delivered``), measured on the contract's calendar."""

from __future__ import annotations

import pytest

from servicepact.contracts.metrics import get_metric
from servicepact.stock import services
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind
from servicepact.tickets.testing import FR, RES, business_calendar, ny, plan, world

pytestmark = pytest.mark.django_db


def test_the_metric_is_a_seeded_definition():
    metric = get_metric("parts_delivery")
    assert metric is not None
    assert (metric.start, metric.stops, metric.ends) == (
        "part_ordered",
        frozenset({"part_delivered"}),
        frozenset({"resolved", "closed"}),
    )
    assert not metric.pausable and not metric.categories


@pytest.fixture
def setup(clock):
    clock.at(ny(2025, 6, 2, 8))  # Mon
    calendar = business_calendar(name="parts hours")  # Mon-Fri 09:00-18:00 New York
    terms = plan(
        calendar, code="parts", targets={(2, FR): 60, (2, RES): 4800, (2, "parts_delivery"): 240}
    )
    w = world(code="acme", calendar=calendar, service_plan=terms)
    depot = services.create_depot(name="NY depot", timezone="America/New_York", actor=w.agent)
    part = services.create_part(
        part_number="PSU-1", description="PSU", unit_cost="80", currency="USD", actor=w.agent
    )
    services.receive_stock(part=part, depot=depot, quantity=10, actor=w.agent)
    return w, depot, part


def _clock(ticket):
    return ticket.clocks.filter(metric="parts_delivery").first()


def test_reserved_to_delivered_late_is_a_breach(setup, clock):
    """Reserved Mon 10:00 with 240 business minutes: deadline Mon 14:00. Two parts; the first
    delivered 12:00 does not stop the clock (the other is still on the way); the second at
    15:30: stopped after 5 h 30 = 19,800 s, breached by 1 h 30 = 5,400 s."""
    w, depot, part = setup
    clock.at(ny(2025, 6, 2, 9))
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="PSU dead", priority=2)
    assert _clock(ticket) is None  # no clock before a part is ordered
    clock.at(ny(2025, 6, 2, 10))
    first = services.reserve_part(ticket=ticket, part=part, depot=depot, quantity=1, actor=w.agent)
    second = services.reserve_part(ticket=ticket, part=part, depot=depot, quantity=1, actor=w.agent)
    running = _clock(ticket)
    assert (running.state, running.started_at, running.deadline_at) == (
        ClockState.RUNNING, ny(2025, 6, 2, 10), ny(2025, 6, 2, 14),
    )  # fmt: skip
    assert ticket.events.filter(kind=EventKind.PART_ORDERED).count() == 1
    clock.at(ny(2025, 6, 2, 16))
    services.deliver_reservation(reservation=first, at=ny(2025, 6, 2, 12), actor=w.agent)
    assert _clock(ticket).stopped_at is None  # the other part is still on the way
    services.deliver_reservation(reservation=second, at=ny(2025, 6, 2, 15, 30), actor=w.agent)
    done = _clock(ticket)
    assert (done.state, done.stopped_at) == (ClockState.BREACHED, ny(2025, 6, 2, 15, 30))
    assert (done.elapsed_seconds, done.breached_by_seconds) == (19_800, 5_400)
    assert ticket.events.filter(kind=EventKind.PART_DELIVERED).count() == 1


def test_consumption_delivers_and_the_weekend_is_closed(setup, clock):
    """Reserved Fri 6 Jun 17:00: 1 business hour on Friday, 3 on Monday, deadline Mon 9 Jun
    12:00. Consumed (fitted, so delivered) Mon 11:00: met after 1 h Friday + 2 h Monday =
    10,800 s."""
    w, depot, part = setup
    clock.at(ny(2025, 6, 6, 16))
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Fan", priority=2)
    clock.at(ny(2025, 6, 6, 17))
    r = services.reserve_part(ticket=ticket, part=part, depot=depot, quantity=1, actor=w.agent)
    assert _clock(ticket).deadline_at == ny(2025, 6, 9, 12)
    clock.at(ny(2025, 6, 9, 11))
    services.consume_reservation(reservation=r, actor=w.agent)
    done = _clock(ticket)
    assert (done.state, done.elapsed_seconds) == (ClockState.MET, 10_800)


def test_resolved_before_delivery_is_not_required_and_release_records_no_delivery(setup, clock):
    w, depot, part = setup
    clock.at(ny(2025, 6, 2, 9))
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Disk", priority=2)
    ts.acknowledge_ticket(ticket=ticket, actor=w.agent)
    ts.start_work(ticket=ticket, actor=w.agent)
    clock.at(ny(2025, 6, 2, 10))
    r = services.reserve_part(ticket=ticket, part=part, depot=depot, quantity=1, actor=w.agent)
    services.release_reservation(reservation=r, actor=w.agent)
    assert not ticket.events.filter(kind=EventKind.PART_DELIVERED).exists()
    clock.at(ny(2025, 6, 2, 11))
    ts.resolve_ticket(ticket=ticket, actor=w.agent, resolution="fixed without the part")
    assert _clock(ticket).state == ClockState.NOT_REQUIRED
