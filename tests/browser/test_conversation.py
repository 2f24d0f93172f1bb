"""The conversation in a real browser: the portal's live preview follows impact and urgency
alone, and the customer answers a proposed solution from the portal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_preview_follows_impact_and_urgency_without_a_subject(
    page: Page, demo: dict[str, Any], login: Any
) -> None:
    """Nothing typed in the (required) subject: every answer still updates the priority."""
    login(page, "acme-it", "pw-acme-it")
    page.goto("/portal/tickets/new/")
    expect(page.get_by_test_id("preview-empty")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("")
    page.get_by_label("A few people or one system").check()
    page.get_by_label("Not soon: it can wait").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P4")
    page.get_by_label("Right now: our business has stopped").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P2")
    page.get_by_label("The whole company, or all of our services").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P1")
    page.get_by_label("Within days: we can work around it for now").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P2")
    expect(page.get_by_label("Subject")).to_have_value("")


def test_agent_takes_a_phone_ticket_and_the_customer_accepts_the_solution(
    page: Page, demo: dict[str, Any], login: Any, browser: Any, live_server: Any
) -> None:
    """The desk form: the customer narrows contacts and assets (htmx), the preview follows
    impact and urgency before any subject; the ticket opens; a proposal is accepted in the portal."""
    globex = demo["globex"]
    login(page, "acme-agent", "pw-acme-agent")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New ticket").click()
    expect(page).to_have_url(re.compile(r"/desk/tickets/new/$"))
    page.get_by_label("Customer").select_option(str(globex.customer.pk))
    contact = page.get_by_label("Contact")
    expect(contact.locator("option")).to_have_count(2)  # "—" and Globex's contact
    expect(contact).to_contain_text("globex IT (Asia/Shanghai)")
    expect(page.get_by_label("Asset", exact=True)).not_to_contain_text("acme-srv01")
    page.get_by_label("Find an asset").fill("srv01")
    expect(page.get_by_label("Asset", exact=True)).to_contain_text("globex-srv01")
    page.get_by_label("Asset", exact=True).select_option(label="globex-srv01")
    contact.select_option(str(globex.contact.pk))
    page.get_by_label("Impact").select_option("1")
    page.get_by_label("Urgency").select_option("1")
    expect(page.get_by_test_id("preview-priority")).to_have_text("P1")
    expect(page.get_by_test_id("preview-other-first_response")).to_contain_text(
        "Asia/Shanghai (UTC+08:00)"
    )
    page.get_by_label("Subject").fill("Line controller rebooting, reported by phone")
    page.get_by_role("button", name="Open ticket").click()
    expect(page).to_have_url(re.compile(r"/desk/tickets/\d+/$"))
    expect(page.get_by_test_id("ticket-status")).to_have_text("New")
    ticket_url = page.url

    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("button", name="Start work").click()
    page.locator("details[data-action=propose] > summary").click()
    page.get_by_role("textbox", name="Proposed solution").fill("Firmware 2.4 fixes the reboots.")
    page.locator("details[data-action=propose]").get_by_role(
        "button", name="Propose solution"
    ).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Solution proposed")

    customer = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    login(customer, "globex-it", "pw-globex-it")
    customer.get_by_test_id("to-confirm").click()
    customer.get_by_role("link", name=re.compile("Line controller rebooting")).click()
    expect(customer.get_by_text("Firmware 2.4 fixes the reboots.").first).to_be_visible()
    customer.get_by_role("button", name="Accept the solution").click()
    expect(customer.get_by_test_id("ticket-status")).to_have_text("Closed")

    page.goto(ticket_url)
    expect(page.get_by_test_id("ticket-status")).to_have_text("Closed")
