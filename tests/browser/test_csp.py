"""The Content Security Policy in a real browser: the desk and the portal load and work
(htmx swaps included) without a single `securitypolicyviolation`, and bars keep their size
without style attributes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
});
"""


class Violations:
    """Collects violations from the page's event listener and from the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def assert_none(self, where: str) -> None:
        seen = self.page.evaluate("window.__cspViolations || null")
        assert seen is not None, f"{where}: the listener did not run"
        assert seen == [], f"{where}: {seen}"
        assert self.console == [], f"{where}: {self.console}"


def test_desk_queue_and_pages_work_under_the_policy(
    page: Page, demo: dict[str, Any], login: Any
) -> None:
    violations = Violations(page)
    login(page, "acme-agent", "pw-acme-agent")
    expect(page).to_have_url(re.compile(r"/desk/$"))
    header = page.request.get("/desk/").headers
    assert "frame-ancestors 'none'" in header["content-security-policy"]
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(4)
    violations.assert_none("queue")

    # The bar of the ticket at 25 of 30 minutes is drawn by class (w-pct-83), not style=.
    fill = rows.first.locator(".meter-fill")
    expect(fill).to_have_class(re.compile(r"\bw-pct-8[34]\b"))
    ratio = page.evaluate(
        "(el) => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width",
        fill.element_handle(),
    )
    assert 0.8 < ratio < 0.87

    # htmx still swaps the rows in (and its indicator styles come from app.css, not a <style>).
    page.get_by_label("Priority").select_option("4")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/desk/\?.*priority=4"))
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    page.get_by_role("link", name="Reset").click()
    expect(rows).to_have_count(4)
    violations.assert_none("queue after htmx swaps")

    acme = demo["acme"]
    for path in (
        f"/desk/tickets/{demo['closest'].pk}/",
        f"/desk/assets/{acme.asset.pk}/",
        f"/desk/contracts/{acme.contract.pk}/",
        f"/reports/desk/contracts/{acme.contract.pk}/statement/",
        "/account/tokens/",
        "/account/password/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        violations.assert_none(path)

    # The statement's <style> block applies (allowed by the response's nonce).
    page.goto(f"/reports/desk/contracts/{acme.contract.pk}/statement/")
    assert page.evaluate("document.styleSheets.length") >= 2
    violations.assert_none("statement styles")

    # Coverage bars sit where the classes put them.
    page.goto(f"/desk/assets/{acme.asset.pk}/")
    bar = page.locator(".covbar").first
    assert page.evaluate("(el) => getComputedStyle(el).left !== 'auto'", bar.element_handle())

    # The listener does see a violation: an image from elsewhere is blocked and reported.
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=\"https://example.invalid/x.png\">')"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("img-src https://example.invalid")


def test_portal_and_its_htmx_preview_work_under_the_policy(
    page: Page, demo: dict[str, Any], login: Any
) -> None:
    violations = Violations(page)
    acme = demo["acme"]
    login(page, "acme-it", "pw-acme-it")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    violations.assert_none("portal home")

    page.get_by_role("link", name="Report a problem").first.click()
    expect(page.get_by_test_id("preview-empty")).to_be_visible()
    page.wait_for_load_state("load")  # htmx (deferred) is listening
    page.get_by_label("Which system is affected?").select_option(str(acme.asset.pk))
    # The form's required fields must be valid before htmx sends the preview request.
    page.get_by_label("Subject").fill("Database server does not boot")
    page.get_by_label("The whole company, or all of our services").check()
    page.get_by_label("Right now: our business has stopped").check()
    expect(page.get_by_test_id("preview-priority")).to_have_text("P1")  # an htmx swap
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    violations.assert_none("new ticket preview")

    page.goto(f"/portal/tickets/{demo['closest'].pk}/")
    violations.assert_none("portal ticket")

    # The token page: create one, see it once, revoke it.
    # The header's account menu leads there.
    page.locator(".usermenu-account > summary").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/account/tokens/$"))
    page.get_by_label("Name").fill("monitoring")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("new-token").locator("code").inner_text()
    assert secret.startswith("sp_")
    page.get_by_role("button", name=re.compile(r"^Revoke sp_")).click()
    expect(page.get_by_text(re.compile(r"Token sp_.+ revoked\."))).to_be_visible()
    violations.assert_none("tokens")
