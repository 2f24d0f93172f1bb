"""A change's outcome and availability: downtime inside the approved window stays planned
whatever the outcome (verified, rolled back, failed); a failed or overrun change's downtime
outside its window counts; an emergency change's downtime counts until the customer
approves it after the fact, and keeps counting when the customer refuses it."""

from __future__ import annotations

import pytest

from servicepact.changes import services as cs
from servicepact.changes.choices import ChangeKind
from servicepact.monitoring.availability import contract_availability
from servicepact.monitoring.services import record_outage
from servicepact.tickets.testing import world

from .conftest import ny, with_availability

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(clock):
    clock.at(ny(2025, 6, 14, 1))
    w = world()
    with_availability(w.contract, "99.9")
    return w


def figures(w):
    result = contract_availability(w.contract, 2025, 6)
    return result.planned_downtime_seconds, result.unplanned_downtime_seconds


def carried_out(w, clock, outcome, *, kind=ChangeKind.NORMAL, approve=True):
    """Window 02:00-04:00 on 14 June; started 02:00, ended at 05:00 with ``outcome``."""
    change = cs.request_change(
        customer=w.customer,
        title="Firmware",
        assets=[w.asset],
        planned_start=ny(2025, 6, 14, 2),
        planned_end=ny(2025, 6, 14, 4),
        details=cs.ChangeDetails(kind=kind),
        actor=w.agent,
    )
    if approve:
        cs.approve_change(change=change, actor=w.contact.user)
    clock.at(ny(2025, 6, 14, 2))
    cs.execute_change(change=change, action="start", actor=w.agent)
    clock.at(ny(2025, 6, 14, 5))
    if outcome == "verify":
        cs.execute_change(change=change, action="implement", actor=w.agent)
    return cs.execute_change(change=change, action=outcome, actor=w.agent)


@pytest.mark.parametrize("outcome", ["verify", "roll_back", "fail"])
def test_inside_the_window_planned_and_the_overrun_counts(w, clock, outcome):
    """Down 02:30-05:00, window 02:00-04:00: 1.5 h planned, the 1 h overrun counts, whatever
    the outcome."""
    carried_out(w, clock, outcome)
    record_outage(
        asset=w.asset,
        started_at=ny(2025, 6, 14, 2, 30),
        ended_at=ny(2025, 6, 14, 5),
        reason="reboot",
    )
    assert figures(w) == (5400, 3600)


def test_downtime_before_the_window_counts(w, clock):
    """Down 01:30-02:30: the half hour before the window counts."""
    carried_out(w, clock, "fail")
    record_outage(
        asset=w.asset,
        started_at=ny(2025, 6, 14, 1, 30),
        ended_at=ny(2025, 6, 14, 2, 30),
        reason="early",
    )
    assert figures(w) == (1800, 1800)


def test_emergency_change_counts_until_approved_after_the_fact(w, clock):
    change = carried_out(w, clock, "verify", kind=ChangeKind.EMERGENCY, approve=False)
    record_outage(
        asset=w.asset, started_at=ny(2025, 6, 14, 2), ended_at=ny(2025, 6, 14, 3), reason="patch"
    )
    assert figures(w) == (0, 3600)  # not approved (yet): it counts
    clock.at(ny(2025, 6, 15, 9))
    change = cs.approve_change(change=change, actor=w.contact.user)
    assert change.approved_after_fact is True
    assert figures(w) == (3600, 0)


def test_emergency_change_the_customer_refuses_keeps_counting(w, clock):
    change = carried_out(w, clock, "verify", kind=ChangeKind.EMERGENCY, approve=False)
    record_outage(
        asset=w.asset, started_at=ny(2025, 6, 14, 2), ended_at=ny(2025, 6, 14, 3), reason="patch"
    )
    cs.reject_change(change=change, actor=w.contact.user, reason="we were not asked")
    assert figures(w) == (0, 3600)


def test_a_board_approval_alone_never_makes_downtime_planned(w, clock):
    """Only the customer's approval does (the provider cannot plan its own downtime)."""
    from servicepact.tickets.testing import user

    member = user("cab", staff=True)
    change = cs.request_change(
        customer=w.customer,
        title="Firmware",
        assets=[w.asset],
        planned_start=ny(2025, 6, 14, 2),
        planned_end=ny(2025, 6, 14, 4),
        details=cs.ChangeDetails(kind=ChangeKind.EMERGENCY, approvers=[member]),
        actor=w.agent,
    )
    cs.execute_change(change=change, action="start", actor=w.agent)
    cs.vote_on_change(change=change, actor=member, approve=True)
    clock.at(ny(2025, 6, 14, 5))
    record_outage(
        asset=w.asset, started_at=ny(2025, 6, 14, 2), ended_at=ny(2025, 6, 14, 3), reason="patch"
    )
    assert figures(w) == (0, 3600)
