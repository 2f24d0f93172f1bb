from __future__ import annotations

from typing import Any

import pytest

from servicepact.core.testing import ny, utc  # noqa: F401  (re-exported to the tests)
from servicepact.fieldservice.services import create_depot, create_engineer, create_work_order
from servicepact.tickets import services as ts
from servicepact.tickets.testing import World, login, user, world  # noqa: F401


@pytest.fixture
def acme(db: Any) -> World:
    """Acme: New York business hours Mon-Fri 09:00-18:00, plan with P1 on-site 240 min."""
    return world(code="acme")


@pytest.fixture
def globex(db: Any) -> World:
    return world(code="globex", tz="Asia/Shanghai")


@pytest.fixture
def depot(db: Any) -> Any:
    return create_depot(name="Newark", timezone="America/New_York", address="1 Depot Rd")


@pytest.fixture
def erin(depot: Any) -> Any:
    """Engineer Erin, New York, home depot Newark."""
    return create_engineer(
        user=user("erin", staff=True), home_depot=depot, skills=["Storage", "raid"]
    )


def p1_ticket(w: World) -> Any:
    """A P1 ticket opened now, acknowledged (on-site clock: 240 business minutes)."""
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Down", impact=1, urgency=1)
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    return t


def visit(w: World, ticket: Any, engineer: Any, planned: Any) -> Any:
    return create_work_order(
        ticket=ticket, engineer=engineer, planned_arrival_at=planned, actor=w.agent
    )
