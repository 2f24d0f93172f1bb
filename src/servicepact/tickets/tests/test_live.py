"""A clock as of now (``tickets.live``): the one model the desk, the portal and the API show.

P2 first response: 60 business minutes from Mon 2 June 2025 09:00 New York (business hours).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicepact.contracts.choices import Metric
from servicepact.tickets import services as ts
from servicepact.tickets.live import clocks_for_ticket, ticket_state
from servicepact.tickets.sla_state import AT_RISK_FRACTION, SlaState
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minute", "tone"),
    [
        (44, SlaState.ON_TRACK),
        (45, SlaState.AT_RISK),
        (60, SlaState.AT_RISK),
        (61, SlaState.BREACHED),
    ],
)
def test_first_response_turns_at_risk_at_three_quarters_of_its_target(clock, minute, tone):
    """44 min used (73 %) is on track, 45 min (75 %) at risk, 60 min (100 %, met if answered
    now) still at risk, 61 min breached; the ticket takes its most alarming clock's colour."""
    assert AT_RISK_FRACTION == 0.75
    clock.at(ny(2025, 6, 2, 9))
    w = world()
    ticket = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Disk", impact=2, urgency=2
    )
    moment = ny(2025, 6, 2, 9) + timedelta(minutes=minute)
    clock.at(moment)
    clocks = {c.metric: c for c in clocks_for_ticket(ticket, moment)}
    first = clocks[Metric.FIRST_RESPONSE]
    assert (first.elapsed_seconds, first.tone, first.current) == (minute * 60, tone, True)
    assert (first.priority, first.calendar_id, first.deadline_at) == (
        2,
        w.calendar.pk,
        ny(2025, 6, 2, 10),
    )
    assert ticket_state(clocks.values()) == tone
