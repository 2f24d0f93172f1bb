"""Browser tests: pytest-django's live server + sync Playwright driving Debian's chromium.

Run with ``pytest -m browser tests/browser``. Each test builds a small data set through the
services (not the full demo) and saves screenshots of the pages it visits under
``artifacts/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import get_resolver
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
STATIC_DIR = ROOT / "src" / "servicepact" / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
    # thread with a running loop unless told that this is deliberate. Only while the browser
    # tests run (the variable is read on every ORM call), never for the rest of the suite.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _plain_static(settings: Any) -> None:
    """Serve the stylesheet from the source tree (no collectstatic in tests)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATICFILES_DIRS = [STATIC_DIR]


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    # The URLconf is imported on the first request, and with it the API's ~2,500 schema
    # classes (pydantic): 10-20 s on a busy machine, longer than a page load may take below.
    # Imported here (once per process; the live server's thread shares the modules).
    get_resolver().url_patterns  # noqa: B018  (the import is the point)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1360, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # sticky panels sit where the page starts
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _login(page: Page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def shot() -> Any:
    """``shot(page, "queue")`` saves a full-page screenshot as artifacts/screenshots/queue.png."""
    return _shot


@pytest.fixture
def login() -> Any:
    """``login(page, username, password)`` signs in through the login form."""
    return _login


@pytest.fixture
def demo(transactional_db: Any, browser: Browser) -> dict[str, Any]:
    """Two customers on a 24x7 plan (so deadlines do not depend on the day the suite runs)
    and four open tickets opened minutes ago; the first one is closest to breaching."""
    from servicepact.accounts.models import StaffProfile
    from servicepact.core.time import now
    from servicepact.tickets import services as ts
    from servicepact.tickets.choices import Category
    from servicepact.tickets.testing import always_calendar, plan, world

    moment = now()
    today = moment.date()
    calendar = always_calendar()
    gold = plan(calendar, code="gold-24x7")
    span = {"start": today - timedelta(days=200), "end": today + timedelta(days=165)}
    acme = world(code="acme", calendar=calendar, service_plan=gold, **span)
    globex = world(code="globex", tz="Asia/Shanghai", calendar=calendar, service_plan=gold, **span)
    StaffProfile.objects.create(user=acme.agent, timezone="Europe/Berlin")

    def open_(w: Any, minutes_ago: int, priority: int, subject: str, **kw: Any) -> Any:
        return ts.open_ticket(
            customer=w.customer,
            contact=w.contact,
            asset=w.asset,
            subject=subject,
            priority=priority,
            opened_at=moment - timedelta(minutes=minutes_ago),
            **kw,
        )

    # First response targets (24x7): P1 30 min, P2 60, P3 120, P4 240.
    closest = open_(
        acme,
        25,
        1,
        "Storage array offline",
        category=Category.NETWORK,
        description="All VMs on the array are unreachable.",
    )
    open_(globex, 5, 2, "MES line controller rebooting")
    open_(acme, 10, 3, "Fan failure alarm")
    open_(acme, 0, 4, "Add IP addresses to allow list", category=Category.REQUEST)
    return {"acme": acme, "globex": globex, "closest": closest}
