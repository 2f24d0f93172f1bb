"""End-to-end scenarios in a real browser (Debian chromium via Playwright)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_works_the_ticket_closest_to_breach(
    page: Page, demo: dict[str, Any], login: Any, shot: Any
) -> None:
    """Acknowledge, pause (the deadline disappears), resume and resolve the top ticket."""
    closest = demo["closest"]
    login(page, "acme-agent", "pw-acme-agent")
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "block"

    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(4)
    top = rows.first
    expect(top).to_have_attribute("data-ticket", str(closest.pk))
    expect(top.locator(".state")).to_have_text("At risk")  # 25 of 30 minutes used
    countdown = top.locator("[data-deadline]")
    first_reading = countdown.inner_text()
    assert "left" in first_reading
    expect(countdown).not_to_have_text(first_reading, timeout=3_000)  # ticks every second
    shot(page, "queue")

    # Filters refresh the rows with htmx and push the URL (no full reload).
    page.get_by_label("Priority").select_option("4")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/desk/\?.*priority=4"))
    page.get_by_role("link", name="Reset").click()
    expect(rows).to_have_count(4)

    top.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/desk/tickets/{closest.pk}/$"))
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged: the first response is recorded.")).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Acknowledged")
    resolution_deadline = page.get_by_test_id("deadline-resolution")
    expect(resolution_deadline).to_be_visible()
    shot(page, "ticket")

    page.locator("details[data-action=pause] > summary").click()
    page.get_by_label("What are you waiting for from the customer?").fill(
        "Waiting for the customer to grant console access"
    )
    page.locator("details[data-action=pause]").get_by_role(
        "button", name="Pause (waiting on customer)"
    ).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Waiting on customer")
    expect(resolution_deadline).to_have_count(0)
    expect(page.get_by_text("no deadline while the clock is paused").first).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    paused_row = page.locator(f'#queue-rows tr[data-ticket="{closest.pk}"]')
    expect(paused_row.get_by_text("Paused, no deadline")).to_be_visible()
    expect(page.locator("#queue-rows tr").last).to_have_attribute("data-ticket", str(closest.pk))
    paused_row.get_by_role("link").click()

    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("In progress")
    expect(resolution_deadline).to_be_visible()

    page.locator("details[data-action=resolve] > summary").click()
    page.get_by_role("textbox", name="Resolution").fill("Controller replaced; array back online.")
    page.locator("details[data-action=resolve]").get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.get_by_text("Resolved: the resolution clock stopped.")).to_be_visible()

    acme = demo["acme"]
    page.goto(f"/desk/customers/{acme.customer.pk}/")
    expect(page.get_by_role("heading", name=acme.customer.name)).to_be_visible()
    shot(page, "customer")
    page.goto(f"/desk/contracts/{acme.contract.pk}/")
    expect(page.get_by_role("heading", name="SLA targets")).to_be_visible()
    shot(page, "contract")
    page.goto(f"/desk/assets/{acme.asset.pk}/")
    expect(page.get_by_role("heading", name="Coverage over time")).to_be_visible()
    shot(page, "asset")


def test_contact_files_a_ticket_and_sees_priority_and_deadlines(
    page: Page, demo: dict[str, Any], login: Any, shot: Any
) -> None:
    acme = demo["acme"]
    login(page, "acme-it", "pw-acme-it")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    shot(page, "portal_home")

    page.get_by_role("link", name="Report a problem").first.click()
    expect(page.get_by_test_id("preview-empty")).to_be_visible()
    page.get_by_label("Which system is affected?").select_option(str(acme.asset.pk))
    page.get_by_label("Subject").fill("Database server does not boot")
    page.get_by_label("What happened?").fill("Stuck at the RAID controller screen since 09:40.")
    page.get_by_label("The whole company, or all of our services").check()
    page.get_by_label("Right now: our business has stopped").check()
    # The htmx preview: priority and deadlines before anything is submitted.
    expect(page.get_by_test_id("preview-priority")).to_have_text("P1")
    expect(page.get_by_test_id("preview-deadline-first_response")).to_be_visible()
    expect(page.get_by_test_id("preview-deadline-on_site")).to_be_visible()
    page.get_by_label("One person, or nobody yet").check()
    page.get_by_label("Not soon: it can wait").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P4")
    page.get_by_label("The whole company, or all of our services").check()
    page.get_by_label("Right now: our business has stopped").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P1")
    shot(page, "portal_new_ticket_preview")

    page.get_by_role("button", name="Submit ticket").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/$"))
    expect(page.get_by_text(re.compile(r"Ticket SP-\d+ is filed"))).to_be_visible()
    expect(page.get_by_test_id("ticket-priority")).to_have_text("P1")
    expect(page.get_by_test_id("deadline-first_response")).to_be_visible()
    expect(page.get_by_test_id("deadline-resolution")).to_be_visible()
    shot(page, "portal_ticket")


def test_another_customers_ticket_is_404(page: Page, demo: dict[str, Any], login: Any) -> None:
    login(page, "globex-it", "pw-globex-it")
    response = page.goto(f"/portal/tickets/{demo['closest'].pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text(demo["closest"].subject)).to_have_count(0)
