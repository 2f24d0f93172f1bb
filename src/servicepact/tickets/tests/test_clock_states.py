"""The engine's verdict (``slaclock.ClockState``) and the stored state (``tickets.choices.
ClockState``) are two enums: the product converts one into the other in one place
(``stored_clock_state``) and compares engine results only with the engine's enum.

The two used to be compared with each other (``result.state == ClockState.BREACHED``),
which held only while both spelt "breached" the same way: had either value changed, no
clock would have been stored as breached and no breach recorded, silently.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicepact.contracts.choices import Metric
from servicepact.slaclock import ClockState as EngineState
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind, stored_clock_state
from servicepact.tickets.models import SlaClock
from servicepact.tickets.refresh import refresh_clocks
from servicepact.tickets.testing import ny, world


def test_every_engine_state_has_its_stored_state():
    """Same value, except pending (nothing elapsed yet), which is stored as running; and
    every stored state is one the engine can produce."""
    stored = {state: stored_clock_state(state) for state in EngineState}
    assert all(isinstance(value, ClockState) for value in stored.values())
    assert stored[EngineState.PENDING] is ClockState.RUNNING
    for engine, model in stored.items():
        if engine is not EngineState.PENDING:
            assert model.value == engine.value
    assert set(stored.values()) == set(ClockState)


@pytest.mark.django_db
def test_a_breached_clock_is_stored_breached_with_its_breach_instant_and_event(clock):
    """P1 opened Mon 10:00 (NY business hours), nobody answers: first response (30 min) is
    due 10:30, so at 11:00 it is breached, breached at its deadline, and the breach is
    recorded; resolution (8 h, due 18:00) still runs and has no breach instant."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    ticket = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Down", impact=1, urgency=1
    )
    clock.at(ny(2025, 6, 9, 11))
    refresh_clocks(ticket, now=ny(2025, 6, 9, 11))

    clocks = {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}
    first = clocks[Metric.FIRST_RESPONSE]
    assert (first.state, first.deadline_at) == (ClockState.BREACHED, ny(2025, 6, 9, 10, 30))
    assert first.breached_at == ny(2025, 6, 9, 10, 30)
    resolution = clocks[Metric.RESOLUTION]
    assert (resolution.state, resolution.breached_at) == (ClockState.RUNNING, None)
    breaches = ticket.events.filter(kind=EventKind.BREACHED)
    assert [e.data.get("metric") for e in breaches] == [Metric.FIRST_RESPONSE]


@pytest.mark.django_db
def test_a_clock_evaluated_before_its_opening_is_stored_running(clock):
    """A pass that took its ``now`` just before a ticket was opened (the worker's batch)
    gets "pending" from the engine; the row stores a state of its own choices (running,
    nothing elapsed), not "pending"."""
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    clock.at(ny(2025, 6, 9, 10))
    ticket = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Disk", impact=2, urgency=2
    )
    refresh_clocks(ticket, now=ticket.opened_at - timedelta(seconds=1))

    stored = SlaClock.objects.filter(ticket=ticket)
    assert stored.exists()
    for row in stored:
        assert row.state == ClockState.RUNNING
        assert row.get_state_display() == ClockState.RUNNING.label
        assert row.elapsed_seconds == 0
