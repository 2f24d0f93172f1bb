"""List endpoints load related rows in bulk: the query count does not grow with the page.

Each test builds 55 rows through the services, then compares a page of 5 with a page of 50.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.assets import services as asset_services
from servicepact.contracts.services import create_calendar, create_contract, create_plan
from servicepact.customers import services as customer_services

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db

ROWS = 55
MAX_QUERIES = 8  # auth (token lookup) + scope + page + count + prefetches


def queries(api, path, limit, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, limit=limit, **params)
    assert response.status_code == 200
    assert len(response.json()["items"]) == limit
    return len(ctx.captured_queries)


def assert_flat(api, path, **params):
    # The token's first request records its last use (at most once a minute); both measured
    # requests come after it, so they compare the list's own queries.
    assert api.get("/me").status_code == 200
    small, large = queries(api, path, 5, **params), queries(api, path, 50, **params)
    assert small == large, f"{path}: {small} queries for 5 rows, {large} for 50"
    assert large <= MAX_QUERIES, f"{path}: {large} queries"


def test_tickets(staff, acme_contact, acme, clock):
    """Tickets with customer, contact, asset, site, contract, version and clocks."""
    clock.at(ny(2025, 6, 2, 9))
    for i in range(ROWS):
        open_ticket(acme, subject=f"Ticket {i}")
    assert_flat(staff, "/tickets")
    assert_flat(acme_contact, "/tickets")


def test_assets_and_contract_lines(staff, acme_contact, acme):
    """Assets with customer, site and contract lines; a contract's lines."""
    for i in range(ROWS):
        asset = asset_services.create_asset(
            customer=acme.customer, site=acme.site, hostname=f"node{i:02d}"
        )
        asset_services.add_contract_line(contract=acme.contract, asset=asset)
    assert_flat(staff, "/assets")
    assert_flat(acme_contact, "/assets")
    assert_flat(staff, f"/contracts/{acme.contract.pk}/lines")


def test_contracts(staff, acme):
    """Contracts with customer, plan, service manager and versions."""
    for i in range(ROWS):
        create_contract(
            number=f"C-{i:03d}",
            customer=acme.customer,
            plan=acme.plan,
            start_date=date(2025, 1, 1),
            end_date=date(2025, 12, 31),
            service_manager=acme.agent,
            kpis=[{"kind": "availability", "target": "99.9"}],
        )
    assert_flat(staff, "/contracts")


def test_customers_sites_contacts(staff, acme):
    """Customers; sites with their customer; contacts with customer, site and login."""
    for i in range(ROWS):
        customer = customer_services.create_customer(name=f"Customer {i}", code=f"c{i}")
        site = customer_services.create_site(customer=customer, name="HQ", timezone="UTC")
        customer_services.create_contact(customer=customer, site=site, name=f"Contact {i}")
    assert_flat(staff, "/customers")
    assert_flat(staff, "/sites")
    assert_flat(staff, "/contacts")


def test_plans_and_calendars(staff, acme):
    """Plans with calendar and targets; calendars with hours, holidays and overrides."""
    for i in range(ROWS):
        calendar = create_calendar(
            name=f"Cal {i}",
            timezone="UTC",
            weekly="24x7",
            holidays=[(date(2025, 12, 25), "Christmas")],
            overrides={date(2025, 12, 24): [["09:00", "12:00"]]},
        )
        create_plan(
            name=f"Plan {i}",
            code=f"plan-{i}",
            calendar=calendar,
            targets=[{"priority": 1, "metric": "resolution", "target_minutes": 60}],
        )
    assert_flat(staff, "/plans")
    assert_flat(staff, "/calendars")
