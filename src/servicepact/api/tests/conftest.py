"""Fixtures for the API tests: two customers built through the services, API clients per role,
and a time-machine clock. Every instant is aware; EDT (UTC-4) applies in June 2025."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from servicepact.accounts.services import create_api_token
from servicepact.tickets import services as ticket_services
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import Clock, World, ny, user, world

NY = ZoneInfo("America/New_York")
BASE = "/api/v1"


class Api:
    """A JSON client for /api/v1 authenticated with a bearer token (or nothing)."""

    def __init__(self, who: Any = None) -> None:
        headers = {}
        if who is not None:
            _, raw = create_api_token(user=who, name="tests")
            headers["Authorization"] = f"Bearer {raw}"
        self.user = who
        self.client = Client(headers=headers)

    def _url(self, path: str) -> str:
        return BASE + path

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self._url(path), params)

    def post(self, path: str, body: Any = None) -> Any:
        data = {} if body is None else body
        return self.client.post(self._url(path), data, content_type="application/json")

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(self._url(path), body, content_type="application/json")

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(self._url(path), body, content_type="application/json")


@pytest.fixture
def acme(db, clock) -> World:
    return world(code="acme")


@pytest.fixture
def globex(db, clock, acme) -> World:
    return world(code="globex", agent=acme.agent)


@pytest.fixture
def staff(acme) -> Api:
    return Api(acme.agent)


@pytest.fixture
def acme_contact(acme) -> Api:
    return Api(acme.contact.user)


@pytest.fixture
def globex_contact(globex) -> Api:
    return Api(globex.contact.user)


@pytest.fixture
def anonymous(db) -> Api:
    return Api()


@pytest.fixture
def stranger(db) -> Api:
    """Logged in, but neither staff nor anybody's contact."""
    return Api(user("stranger"))


def open_ticket(w: World, **kwargs: Any) -> Ticket:
    """A P2 ticket on the world's asset (impact 2 x urgency 2) opened now by its contact."""
    fields: dict[str, Any] = {
        "customer": w.customer,
        "contact": w.contact,
        "asset": w.asset,
        "subject": "Disk failure",
        "impact": 2,
        "urgency": 2,
        "actor": w.contact.user,
    }
    fields.update(kwargs)
    return ticket_services.open_ticket(**fields)


@pytest.fixture
def clock(clock: Clock) -> Clock:
    """The project's clock, started at Monday 2025-06-02 08:00 New York (before business hours)."""
    clock.at(ny(2025, 6, 2, 8))
    return clock
