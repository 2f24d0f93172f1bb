"""The conversation in a real browser: the portal's live preview follows impact and urgency
alone, and the customer answers a proposed solution from the portal."""

from __future__ import annotations

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
