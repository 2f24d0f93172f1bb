"""Test helpers of the after-repair work (any app's tests above this one may import them):
a manager who decides claims, and a hardware ticket resolved at a chosen instant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile
from servicepact.core.testing import Clock
from servicepact.tickets.models import Ticket
from servicepact.tickets.services import acknowledge_ticket, open_ticket, resolve_ticket
from servicepact.tickets.testing import World, user


def make_manager(username: str = "manager") -> Any:
    """A service manager (decides guarantee claims)."""
    person = user(username, staff=True)
    StaffProfile.objects.create(user=person, role=StaffRole.SERVICE_MANAGER)
    return person


@pytest.fixture
def manager(db: Any) -> Any:
    return make_manager()


def resolved(
    w: World, clock: Clock, opened: datetime, at: datetime, subject: str = "Disk failed"
) -> Ticket:
    """A hardware ticket of ``w`` opened at ``opened`` and resolved at ``at`` (the clock is
    left at ``at``)."""
    clock.at(opened)
    ticket = open_ticket(customer=w.customer, subject=subject, contact=w.contact, asset=w.asset)
    acknowledge_ticket(ticket=ticket, actor=w.agent)
    clock.at(at)
    return resolve_ticket(ticket=ticket, actor=w.agent, resolution="Disk replaced")
