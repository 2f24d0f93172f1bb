"""Fixtures for the worker tests: a frozen clock and contracts built through the services."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from servicepact.accounts.models import Team
from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Calendar, Contract, ServicePlan
from servicepact.contracts.services import create_calendar, create_contract, create_plan
from servicepact.core.testing import ny, utc  # noqa: F401  (re-exported to the tests)
from servicepact.customers.models import Contact, Customer, Site

NY = ZoneInfo("America/New_York")
FR, RES = Metric.FIRST_RESPONSE, Metric.RESOLUTION
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def receiver_url():
    """A webhook receiver on 127.0.0.1 that answers 200: (url, delivery ids received)."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append(self.headers["X-ServicePact-Delivery"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def make_user(username: str, *, staff: bool = True, email: str | None = None) -> Any:
    return get_user_model().objects.create_user(
        username=username,
        password="pw-" + username,
        is_staff=staff,
        email=f"{username}@provider.test" if email is None else email,
    )


@dataclass
class Setup:
    customer: Customer
    contact: Contact
    contract: Contract
    plan: ServicePlan
    calendar: Calendar
    agent: Any
    engineer: Any
    manager: Any
    team: Team


def always_open(name: str = "24x7") -> Calendar:
    return create_calendar(name=name, timezone="UTC", weekly="24x7")


def business_hours(name: str = "NY business hours") -> Calendar:
    return create_calendar(
        name=name, timezone="America/New_York", weekly={d: [["09:00", "18:00"]] for d in WEEKDAYS}
    )


def setup_contract(
    *,
    code: str = "acme",
    calendar: Calendar | None = None,
    targets: dict[tuple[int, str], int] | None = None,
    tz: str = "UTC",
    start: date = date(2025, 6, 1),
    end: date = date(2025, 12, 31),
    **contract: Any,
) -> Setup:
    """A customer with a contact (e-mail it@<code>.test), a contract with a service manager,
    and a team 'ops' (alias ops@provider.test) of two staff members: agent and engineer."""
    calendar = calendar or always_open(f"{code} 24x7")
    targets = targets or {(1, FR): 60, (1, RES): 480, (3, FR): 120, (3, RES): 960}
    plan = create_plan(
        name=f"{code} plan",
        code=f"{code}-plan",
        calendar=calendar,
        targets=[
            {"priority": p, "metric": m, "target_minutes": v} for (p, m), v in targets.items()
        ],
    )
    customer = Customer.objects.create(name=code.title(), code=code, timezone=tz)
    site = Site.objects.create(customer=customer, name="HQ", timezone=tz)
    contact = Contact.objects.create(
        customer=customer,
        site=site,
        name=f"{code} IT",
        email=f"it@{code}.test",
        user=make_user(f"{code}-it", staff=False),
    )
    manager = make_user(f"{code}-manager")
    contract_row = create_contract(
        number=f"{code.upper()}-1",
        customer=customer,
        plan=plan,
        start_date=start,
        end_date=end,
        service_manager=manager,
        **contract,
    )
    agent, engineer = make_user(f"{code}-agent"), make_user(f"{code}-engineer")
    team, _ = Team.objects.get_or_create(name="ops", defaults={"email": "ops@provider.test"})
    team.members.add(agent, engineer)
    return Setup(customer, contact, contract_row, plan, calendar, agent, engineer, manager, team)


def open_network_tickets(
    s: Setup,
    n: int,
    *,
    impact: int = 1,
    assign: bool = True,
    clock: Any = None,
    first: datetime | None = None,
) -> list[Any]:
    """``n`` network tickets of the contract's customer ("Outage <i>"), assigned to the agent
    (``assign``); with ``clock`` and ``first``, opened one second apart from ``first``."""
    from servicepact.tickets import services as ts
    from servicepact.tickets.choices import Category

    tickets = []
    for i in range(n):
        if clock is not None and first is not None:
            clock.at(first + timedelta(seconds=i))
        t = ts.open_ticket(
            customer=s.customer,
            contact=s.contact,
            subject=f"Outage {i}",
            impact=impact,
            urgency=impact,
            category=Category.NETWORK,
        )
        if assign:
            ts.assign_ticket(ticket=t, actor=s.agent, assignee=s.agent)
        tickets.append(t)
    return tickets
