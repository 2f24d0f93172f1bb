"""A phone-width screen (390 px) and a machine without internet access.

- The dashboard, the desk statement (with the credit panel) and the portal ticket list do not
  scroll sideways at 390 px: wide tables scroll inside their own container, charts scale.
- /api/v1/docs renders Swagger UI with every request to anything but this server refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"


def test_dashboard_statement_and_portal_list_fit_390px(
    phone: Page, demo: dict[str, Any], login: Any, shot: Any
) -> None:
    """A manager on the dashboard and a statement with its credit panel, a contact on the
    ticket list: none is wider than the screen; the tables scroll in their containers."""
    from servicepact.billing.periods import Period
    from servicepact.billing.services import compute_period_credits
    from servicepact.billing.testing import manager
    from servicepact.core.time import now

    acme = demo["acme"]
    period = Period.containing(now(), acme.customer.timezone).shift(-1)
    compute_period_credits(contract=acme.contract, period=period)
    manager("boss")

    login(phone, "boss", "pw-boss")
    phone.goto("/reports/dashboard/")
    expect(phone.get_by_role("heading", name="Portfolio dashboard")).to_be_visible()
    _fits(phone)
    shot(phone, "dashboard-390")

    phone.goto(f"/reports/desk/contracts/{acme.contract.pk}/statement/?period={period}")
    expect(phone.get_by_role("heading", name="Credit decision")).to_be_visible()
    expect(phone.get_by_role("button", name="Adjust")).to_be_visible()
    _fits(phone)
    # The wide tables scroll inside their own container instead of widening the page.
    assert phone.locator(".statement .table-wrap").count() >= 5
    shot(phone, "statement-390")

    phone.context.clear_cookies()
    login(phone, "acme-it", "pw-acme-it")
    phone.goto("/portal/?show=all")
    expect(phone.locator("a.ticket-link").first).to_be_visible()
    _fits(phone)
    shot(phone, "portal-tickets-390")


def test_api_docs_render_without_network(page: Page, live_server: Any, shot: Any) -> None:
    """Every request to a host other than the test server is aborted; Swagger UI still draws
    the API's operations from its own static files (no CDN)."""
    here = urlsplit(live_server.url).hostname
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in {here, "localhost", "127.0.0.1"}:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_loopback)
    # The schema is built once per process (api.root.ServicePactAPI): built here, as a
    # running server has after its first docs request, so the wait below is Swagger UI
    # drawing ~300 operations, which on a busy machine takes longer than the default 5 s.
    from servicepact.api.root import api

    api.get_openapi_schema(path_prefix="/api/v1/")
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 20
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ServicePact API")
    assert refused == []  # nothing even tried to leave the machine
    shot(page, "api-docs-offline")
