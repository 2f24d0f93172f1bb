"""Test builders shared by the test suites of tickets and every app above it.

They go through the real services, so a test starts from a state the product can reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from servicepact.accounts.models import StaffProfile
from servicepact.assets.models import Asset, ContractLine
from servicepact.assets.services import create_warranty
from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Calendar, Contract, ServicePlan
from servicepact.contracts.services import create_calendar, create_contract, create_plan

# Re-exported: the tests of tickets and the apps above it import them from here.
from servicepact.core.testing import NY as NY
from servicepact.core.testing import NYZ as NYZ
from servicepact.core.testing import Clock as Clock
from servicepact.core.testing import ny as ny
from servicepact.core.testing import utc as utc
from servicepact.customers.models import Contact, Customer, Site

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
FR, ONSITE, RESTORE, RES = Metric.FIRST_RESPONSE, Metric.ON_SITE, Metric.RESTORE, Metric.RESOLUTION


def business_calendar(
    name: str = "NY business hours", tz: str = NY, holidays: tuple[date, ...] = ()
) -> Calendar:
    """Mon-Fri 09:00-18:00 in ``tz``."""
    return create_calendar(
        name=name,
        timezone=tz,
        weekly={d: [["09:00", "18:00"]] for d in WEEKDAYS},
        holidays=[(d, "holiday") for d in holidays],
    )


def always_calendar(name: str = "24x7") -> Calendar:
    return create_calendar(name=name, timezone="UTC", weekly="24x7")


def plan(
    calendar: Calendar,
    code: str = "test-plan",
    targets: dict[tuple[int, str], int] | None = None,
    in_site_zone: bool = False,
) -> ServicePlan:
    """Default targets (minutes): P1 fr 30/onsite 240/res 480, P2 fr 60/res 480, P3 fr 120/res 960, P4 fr 240/res 2400."""
    targets = targets or {
        (1, FR): 30,
        (1, ONSITE): 240,
        (1, RESTORE): 240,
        (1, RES): 480,
        (2, FR): 60,
        (2, RESTORE): 240,
        (2, RES): 480,
        (3, FR): 120,
        (3, RES): 960,
        (4, FR): 240,
        (4, RES): 2400,
    }
    rows = [
        {"priority": p, "metric": m, "target_minutes": v, "measure_in_site_timezone": in_site_zone}
        for (p, m), v in targets.items()
    ]
    return create_plan(
        name=code.replace("-", " ").title(), code=code, calendar=calendar, targets=rows
    )


def user(username: str, *, staff: bool = False) -> Any:
    u = get_user_model().objects.create_user(
        username=username, password="pw-" + username, is_staff=staff
    )
    return u


@dataclass
class World:
    customer: Customer
    site: Site
    contact: Contact
    asset: Asset
    contract: Contract
    plan: ServicePlan
    calendar: Calendar
    agent: Any


def world(
    *,
    code: str = "acme",
    tz: str = NY,
    start: date = date(2025, 1, 1),
    end: date = date(2026, 12, 31),
    calendar: Calendar | None = None,
    service_plan: ServicePlan | None = None,
    grace_days: int = 30,
    agent: Any = None,
) -> World:
    """A customer with one site, one contact (with a user), one covered asset and an active contract."""
    calendar = calendar or business_calendar(name=f"{code} hours", tz=tz)
    service_plan = service_plan or plan(calendar, code=f"{code}-plan")
    customer = Customer.objects.create(name=code.title(), code=code, timezone=tz)
    site = Site.objects.create(customer=customer, name="HQ", timezone=tz)
    contact = Contact.objects.create(
        customer=customer, site=site, name=f"{code} IT", user=user(f"{code}-it")
    )
    asset = Asset.objects.create(customer=customer, site=site, hostname=f"{code}-srv01")
    contract = create_contract(
        number=f"{code.upper()}-1",
        customer=customer,
        plan=service_plan,
        start_date=start,
        end_date=end,
        grace_days=grace_days,
    )
    ContractLine.objects.create(contract=contract, asset=asset, start_date=start)
    return World(
        customer,
        site,
        contact,
        asset,
        contract,
        service_plan,
        calendar,
        agent or user(f"{code}-agent", staff=True),
    )


# ---------------------------------------------------------------- fixtures of the desk and portal suites
# Imported by desk/tests/conftest.py and portal/tests/conftest.py (the two apps may not import
# each other).


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


# ---------------------------------------------------------------- warranties (docs/field-service.md)

GOLD_TARGETS: dict[tuple[int, str], int] = {
    (1, FR): 15,
    (1, ONSITE): 240,
    (1, RES): 480,
    (2, FR): 30,
    (2, ONSITE): 240,
    (2, RES): 1440,
    (3, FR): 60,
    (3, RES): 2880,
    (4, FR): 240,
    (4, RES): 7200,
}


def gold_tier() -> ServicePlan:
    """ "Gold 7x24x4" on a 24x7 UTC calendar: P1 first response 15 min, on site 4 h,
    resolution 8 h; P3 first response 60 min, resolution 48 h."""
    tier = plan(always_calendar("gold 24x7"), code="gold-7x24x4", targets=GOLD_TARGETS)
    tier.name = "Gold 7x24x4"
    tier.save(update_fields=["name"])
    return tier


def warranty(
    asset: Asset,
    tier: ServicePlan,
    start: date = date(2025, 1, 1),
    end: date = date(2027, 12, 31),
    *,
    onsite_end: date | None = None,
    source: str = "manufacturer",
) -> Any:
    """A warranty on ``asset``: parts, labour and on site from ``start`` to ``end`` (on site
    to ``onsite_end`` when given)."""
    return create_warranty(
        asset=asset,
        plan=tier,
        source=source,
        parts_start=start,
        parts_end=end,
        labour_start=start,
        labour_end=end,
        onsite_start=start,
        onsite_end=onsite_end or end,
    )
