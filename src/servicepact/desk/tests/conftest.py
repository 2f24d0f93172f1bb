"""Fixtures for the desk view tests: a small world built through the services, logged-in
clients per role, a time-machine clock and plain static storage (no collectstatic in tests)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from servicepact.accounts.models import StaffProfile
from servicepact.tickets.testing import World, user, world

NY = ZoneInfo("America/New_York")
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


class Clock:
    """Moves time-machine's frozen clock: ``clock.at(ny(...))``."""

    def __init__(self) -> None:
        self._traveller: Any = None

    def at(self, instant: datetime) -> None:
        self.stop()
        self._traveller = time_machine.travel(instant, tick=False)
        self._traveller.start()

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.stop()


@pytest.fixture(autouse=True)
def _plain_static(settings: Any) -> None:
    """Templates use {% static %}; the manifest storage needs collectstatic, tests do not run it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATICFILES_DIRS = [STATIC_DIR]


@pytest.fixture
def acme(db: Any) -> World:
    """Acme (New York business hours, contract ACME-1) with an agent in Berlin."""
    w = world(code="acme")
    StaffProfile.objects.create(user=w.agent, timezone="Europe/Berlin")
    return w


@pytest.fixture
def globex(db: Any) -> World:
    return world(code="globex", tz="Asia/Shanghai")


def login(who: Any) -> Client:
    client = Client()
    client.force_login(who)
    return client


@pytest.fixture
def agent_client(acme: World) -> Client:
    return login(acme.agent)


@pytest.fixture
def contact_client(acme: World) -> Client:
    return login(acme.contact.user)


@pytest.fixture
def other_agent(db: Any) -> Any:
    return user("second-agent", staff=True)
