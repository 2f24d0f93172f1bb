"""SLA clocks derived from ticket events, on Mon-Fri 09:00-18:00 America/New_York.

Every expected instant is worked out by hand in the docstrings (EDT = UTC-4 in June 2025).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from servicepact.contracts.choices import Metric
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind
from servicepact.tickets.models import SlaClock
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = pytest.mark.django_db


def clocks(ticket):
    return {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}


def test_p2_opened_friday_afternoon_deadlines_land_next_week(clock):
    """P2 opened Fri 16:00: first response (60 min) due Fri 17:00; resolution (8 h) is
    Fri 16-18 (2 h) + Mon 09-15 (6 h) = Mon 15:00."""
    clock.at(ny(2025, 6, 6, 12))
    w = world()
    clock.at(ny(2025, 6, 6, 16))
    t = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Disk", impact=2, urgency=2
    )
    assert t.priority == 2
    c = clocks(t)
    assert set(c) == {Metric.FIRST_RESPONSE, Metric.RESTORE, Metric.RESOLUTION}
    assert c[Metric.FIRST_RESPONSE].deadline_at == ny(2025, 6, 6, 17)
    assert c[Metric.RESOLUTION].deadline_at == ny(2025, 6, 9, 15)
    assert c[Metric.RESTORE].deadline_at == ny(2025, 6, 9, 11)
    t.refresh_from_db()
    assert t.next_deadline_at == ny(2025, 6, 6, 17)


def test_acknowledge_pause_resume_resolve_moves_the_clocks(clock):
    """Ack Fri 16:30 meets first response (1800 s). Pause Mon 10:00-11:00: no deadline while
    paused, 5 h remaining; after resume the resolution deadline is Mon 16:00 (one hour later).
    Resolved Mon 15:30: 2 h + 1 h + 4.5 h = 27000 s, met. Restore (4 h) shared the pause, so
    its deadline was Mon 12:00 and it is breached by 27000 - 14400 = 12600 s."""
    clock.at(ny(2025, 6, 6, 12))
    w = world()
    clock.at(ny(2025, 6, 6, 16))
    t = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Disk", impact=2, urgency=2
    )
    clock.at(ny(2025, 6, 6, 16, 30))
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    fr = clocks(t)[Metric.FIRST_RESPONSE]
    assert (fr.state, fr.elapsed_seconds, fr.stopped_at) == (
        ClockState.MET,
        1800,
        ny(2025, 6, 6, 16, 30),
    )
    assert fr.next_check_at is None

    clock.at(ny(2025, 6, 9, 10))
    ts.pause_ticket(ticket=t, actor=w.agent, reason="Waiting for remote access")
    res = clocks(t)[Metric.RESOLUTION]
    assert (res.state, res.deadline_at, res.remaining_seconds) == (
        ClockState.PAUSED,
        None,
        5 * 3600,
    )
    assert res.next_check_at is None

    clock.at(ny(2025, 6, 9, 11))
    ts.resume_ticket(ticket=t, actor=w.agent)
    assert clocks(t)[Metric.RESOLUTION].deadline_at == ny(2025, 6, 9, 16)

    clock.at(ny(2025, 6, 9, 15, 30))
    ts.resolve_ticket(ticket=t, actor=w.agent, resolution="Replaced disk")
    c = clocks(t)
    assert (c[Metric.RESOLUTION].state, c[Metric.RESOLUTION].elapsed_seconds) == (
        ClockState.MET,
        27000,
    )
    restore = c[Metric.RESTORE]
    assert restore.state == ClockState.BREACHED
    assert restore.breached_at == ny(2025, 6, 9, 12)
    assert restore.breached_by_seconds == 12600
    breaches = list(t.events.filter(kind=EventKind.BREACHED).values_list("at", "data__metric"))
    assert breaches == [(ny(2025, 6, 9, 12), Metric.RESTORE)]


def test_pause_in_closed_time_does_not_move_the_deadline(clock):
    """Waiting on the customer from Fri 18:30 to Sun 12:00 removes no business time: the
    resolution deadline stays Mon 15:00."""
    clock.at(ny(2025, 6, 6, 12))
    w = world()
    clock.at(ny(2025, 6, 6, 16))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Disk", impact=2, urgency=2)
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    clock.at(ny(2025, 6, 6, 18, 30))
    ts.pause_ticket(ticket=t, actor=w.agent, reason="Customer on leave")
    clock.at(ny(2025, 6, 8, 12))
    ts.resume_ticket(ticket=t, actor=w.agent)
    assert clocks(t)[Metric.RESOLUTION].deadline_at == ny(2025, 6, 9, 15)


def test_priority_raise_recomputes_and_records_why_the_deadline_moved(clock):
    """P3 opened Mon 09:00 has resolution 16 h: Mon 9 h + Tue 7 h = Tue 16:00. Raised to P1 at
    10:00: resolution 8 h -> Mon 17:00, recorded as deadline_moved with the reason; P1's
    first response (30 min, Mon 09:30) is already breached and recorded at 09:30."""
    clock.at(ny(2025, 6, 9, 8))
    w = world()
    clock.at(ny(2025, 6, 9, 9))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Slow", impact=3, urgency=3)
    assert t.priority == 3
    assert clocks(t)[Metric.RESOLUTION].deadline_at == ny(2025, 6, 10, 16)
    clock.at(ny(2025, 6, 9, 10))
    ts.change_priority(ticket=t, actor=w.agent, priority=1, reason="Whole shop down")
    c = clocks(t)
    assert c[Metric.RESOLUTION].deadline_at == ny(2025, 6, 9, 17)
    assert c[Metric.FIRST_RESPONSE].state == ClockState.BREACHED
    assert c[Metric.ON_SITE].deadline_at == ny(2025, 6, 9, 13)
    moved = t.events.get(kind=EventKind.DEADLINE_MOVED, data__metric=Metric.RESOLUTION)
    assert datetime.fromisoformat(moved.data["before"]) == ny(2025, 6, 10, 16)
    assert datetime.fromisoformat(moved.data["after"]) == ny(2025, 6, 9, 17)
    assert "P3 -> P1" in moved.data["reason"] and "Whole shop down" in moved.data["reason"]
    assert list(t.events.filter(kind=EventKind.BREACHED).values_list("at", flat=True)) == [
        ny(2025, 6, 9, 9, 30)
    ]


def test_reopen_continues_the_resolution_clock(clock):
    """Resolved after 2 h, reopened the next morning at 09:00 and resolved at 10:00: the
    resolution clock shows 3 h elapsed (the closed stretch between does not count)."""
    clock.at(ny(2025, 6, 9, 8))
    w = world()
    clock.at(ny(2025, 6, 9, 9))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="App", impact=3, urgency=3)
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    clock.at(ny(2025, 6, 9, 11))
    ts.resolve_ticket(ticket=t, actor=w.agent)
    clock.at(ny(2025, 6, 10, 9))
    ts.reopen_ticket(ticket=t, actor=w.contact.user, reason="Error is back")
    assert clocks(t)[Metric.RESOLUTION].state == ClockState.RUNNING
    clock.at(ny(2025, 6, 10, 10))
    ts.resolve_ticket(ticket=t, actor=w.agent)
    assert clocks(t)[Metric.RESOLUTION].elapsed_seconds == 3 * 3600


def test_onsite_arrival_recorded_late_is_measured_when_it_happened(clock):
    """P1 on-site target 4 h from Mon 09:00 = 13:00. Arrival at 12:45 recorded at 14:00:
    the clock is met with 13500 s elapsed; no breach is recorded."""
    clock.at(ny(2025, 6, 9, 8))
    w = world()
    clock.at(ny(2025, 6, 9, 9))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Down", impact=1, urgency=1)
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    clock.at(ny(2025, 6, 9, 14))
    ts.record_onsite_arrival(ticket=t, actor=w.agent, at=ny(2025, 6, 9, 12, 45), engineer="Erin")
    onsite = clocks(t)[Metric.ON_SITE]
    assert (onsite.state, onsite.elapsed_seconds) == (ClockState.MET, 13500)
    assert not t.events.filter(kind=EventKind.BREACHED, data__metric=Metric.ON_SITE).exists()


def test_calendar_edit_recomputes_open_clocks_with_a_record(clock):
    """A holiday added for Mon 2025-06-09 after a ticket opened Fri 16:00: the stale clock is
    found by revision and its resolution deadline moves from Mon 15:00 to Tue 15:00."""
    from servicepact.contracts.services import add_holidays
    from servicepact.tickets.services import recompute_stale_clocks

    clock.at(ny(2025, 6, 6, 12))
    w = world()
    clock.at(ny(2025, 6, 6, 16))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Disk", impact=2, urgency=2)
    clock.at(ny(2025, 6, 6, 16, 5))
    from datetime import date

    add_holidays(calendar=w.calendar, holidays=[(date(2025, 6, 9), "Company day")])
    assert recompute_stale_clocks() == 1
    assert clocks(t)[Metric.RESOLUTION].deadline_at == ny(2025, 6, 10, 15)
    moved = t.events.get(kind=EventKind.DEADLINE_MOVED, data__metric=Metric.RESOLUTION)
    assert "calendar" in moved.data["reason"] and "revision 1 -> 2" in moved.data["reason"]
    assert recompute_stale_clocks() == 0
