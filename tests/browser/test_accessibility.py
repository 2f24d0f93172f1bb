"""Accessibility: axe-core (from npm, ``npm ci`` at the repository root) on every main page.

Each persona signs in through the login form, opens each of its pages, injects
``node_modules/axe-core/axe.min.js`` and runs ``axe.run`` with the WCAG 2.0/2.1/2.2 A and AA
rules, at desktop width and again at 390 px (a phone). The test fails on any ``serious`` or
``critical`` violation and names, per page, the rule, its impact and the offending nodes (CSS
selector, the HTML axe saw, and axe's explanation).

The data is the demo set without its twelve months of history (``seed_demo(history=False)``,
about 3 s): open tickets, an alert, maintenance windows, closed months with credits.

To check a new page, add one ``Check`` to ``STAFF_PAGES`` or ``CONTACT_PAGES``: a name, a
function from the seeded objects to the page's URL and, if needed, what to do on the page
before axe runs (fill a form, open a panel).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1360, "height": 900}  # the ``page`` fixture's size
PHONE = {"width": 390, "height": 844}
PASSWORD = "demo"  # the demo seeder's password for every login


@dataclass(frozen=True)
class Seeded:
    """The demo objects the URL builders point at (all of Acme, the demo's richest customer)."""

    customer_id: int
    contract_id: int
    asset_id: int
    ticket_id: int
    resolved_ticket_id: int
    change_id: int
    period: str
    charge_id: int
    # The field-service, aftercare, stock, problem and tier pages (issues 15-20): their demo
    # objects (Globex is the demo's hardware customer: inspections, claims, the survey link).
    work_order_id: int
    part_id: int
    problem_id: int
    release_id: int
    change_template_id: int
    followup_id: int
    inspection_visit_id: int
    globex_customer_id: int
    globex_contract_id: int
    globex_visit_id: int
    compare_plan_id: int
    survey_path: str


URL = Callable[[Seeded], str]


class Check(NamedTuple):
    """A page to check: its name in the report, its URL, and what to do there first."""

    name: str
    url: URL
    prepare: Callable[[Page], None] | None = None


def _fill_new_ticket(page: Page) -> None:
    """Choose a system, impact and urgency so the live priority preview is on the page."""
    page.get_by_label("Which system is affected?").select_option(index=1)
    page.get_by_label("Subject").fill("Database server does not boot")
    page.get_by_label("The whole company, or all of our services").check()
    page.get_by_label("Right now: our business has stopped").check()
    page.get_by_test_id("preview-priority").wait_for()


STAFF_PAGES: list[Check] = [
    Check("desk queue", lambda s: "/desk/"),
    Check("desk ticket", lambda s: f"/desk/tickets/{s.ticket_id}/"),
    Check("desk ticket (resolved, breached)", lambda s: f"/desk/tickets/{s.resolved_ticket_id}/"),
    Check("desk customers", lambda s: "/desk/customers/"),
    Check("desk customer", lambda s: f"/desk/customers/{s.customer_id}/"),
    Check("desk contracts", lambda s: "/desk/contracts/"),
    Check("desk contract", lambda s: f"/desk/contracts/{s.contract_id}/"),
    Check("desk contract hours", lambda s: f"/desk/contracts/{s.contract_id}/hours/"),
    Check("desk charges", lambda s: "/desk/charges/"),
    Check("desk charge", lambda s: f"/desk/charges/{s.charge_id}/"),
    Check("desk asset", lambda s: f"/desk/assets/{s.asset_id}/"),
    Check("desk changes", lambda s: "/desk/changes/"),
    Check("desk alerts", lambda s: "/desk/alerts/"),
    Check("desk e-mail triage", lambda s: "/desk/mail/"),
    Check("desk notifications", lambda s: "/desk/notifications/"),
    Check("dashboard", lambda s: "/reports/dashboard/"),
    Check(
        "desk statement",
        lambda s: f"/reports/desk/contracts/{s.contract_id}/statement/?period={s.period}",
    ),
    Check("desk new ticket", lambda s: "/desk/tickets/new/"),
    Check("desk search", lambda s: "/desk/search/?q=storage"),
    Check("desk new change", lambda s: "/desk/changes/new/"),
    Check("desk change", lambda s: f"/desk/changes/{s.change_id}/"),
    Check("desk knowledge base", lambda s: "/desk/kb/"),
    Check("desk knowledge-base search", lambda s: "/desk/kb/?q=disk"),
    Check("desk write an article", lambda s: "/desk/kb/new/"),
    Check("desk handover and training", lambda s: f"/desk/contracts/{s.contract_id}/handover/"),
    Check("desk change calendar", lambda s: "/desk/changes/calendar/"),
    Check("desk change templates", lambda s: "/desk/changes/templates/"),
    Check("desk releases", lambda s: "/desk/releases/"),
    Check("desk asset configuration", lambda s: f"/desk/assets/{s.asset_id}/configuration/"),
    Check("desk contract blackouts", lambda s: f"/desk/contracts/{s.contract_id}/blackouts/"),
    Check("API tokens (staff)", lambda s: "/account/tokens/"),
    Check("password change (staff)", lambda s: "/account/password/"),
    Check("desk warranties", lambda s: "/desk/warranties/"),
    Check("desk dispatch board", lambda s: "/desk/dispatch/"),
    Check("desk my day", lambda s: "/desk/my-day/"),
    Check("desk work order", lambda s: f"/desk/workorders/{s.work_order_id}/"),
    Check("desk inspection plans", lambda s: "/desk/inspections/"),
    Check("desk new inspection plan", lambda s: "/desk/inspections/new/"),
    Check("desk inspection visits", lambda s: "/desk/inspections/visits/"),
    Check("desk inspection visit", lambda s: f"/desk/inspections/visits/{s.inspection_visit_id}/"),
    Check("desk stock", lambda s: "/desk/stock/"),
    Check("desk stock part", lambda s: f"/desk/stock/parts/{s.part_id}/"),
    Check("desk RMAs", lambda s: "/desk/stock/rmas/"),
    Check("desk loaners", lambda s: "/desk/stock/loaners/"),
    Check("desk follow-ups", lambda s: "/desk/followups/"),
    Check("desk follow-up", lambda s: f"/desk/followups/{s.followup_id}/"),
    Check("desk guarantee claims", lambda s: "/desk/claims/"),
    Check("desk tier comparison", lambda s: "/desk/tiers/compare/"),
    Check(
        "desk tier comparison (result)",
        lambda s: (
            f"/desk/tiers/compare/?contract={s.globex_contract_id}&period={s.period}"
            f"&plan={s.compare_plan_id}"
        ),
    ),
    Check(
        "desk tier comparison (a customer's contracts)",
        lambda s: (
            f"/desk/tiers/compare/?customer={s.customer_id}&period={s.period}"
            f"&plan={s.compare_plan_id}"
        ),
    ),
    Check("desk vendor offers", lambda s: f"/desk/tiers/offers/?customer={s.globex_customer_id}"),
    Check("desk problems", lambda s: "/desk/problems/"),
    Check("desk problem", lambda s: f"/desk/problems/{s.problem_id}/"),
    Check("desk drill schedules", lambda s: "/desk/drills/schedules/"),
    Check("desk release edit", lambda s: f"/desk/releases/{s.release_id}/edit/"),
    Check("desk change template", lambda s: f"/desk/changes/templates/{s.change_template_id}/"),
    Check("admin index", lambda s: "/admin/"),
]

CONTACT_PAGES: list[Check] = [
    Check("portal home", lambda s: "/portal/"),
    Check("portal ticket", lambda s: f"/portal/tickets/{s.ticket_id}/"),
    Check("portal ticket (resolved)", lambda s: f"/portal/tickets/{s.resolved_ticket_id}/"),
    Check("portal new ticket", lambda s: "/portal/tickets/new/"),
    Check("portal new ticket (preview)", lambda s: "/portal/tickets/new/", _fill_new_ticket),
    Check("portal contracts", lambda s: "/portal/contracts/"),
    Check("portal contract", lambda s: f"/portal/contracts/{s.contract_id}/"),
    Check("portal contract hours", lambda s: f"/portal/contracts/{s.contract_id}/hours/"),
    Check("portal charge", lambda s: f"/portal/charges/{s.charge_id}/"),
    Check("portal assets", lambda s: "/portal/assets/"),
    Check("portal asset", lambda s: f"/portal/assets/{s.asset_id}/"),
    Check("portal tickets awaiting confirmation", lambda s: "/portal/?show=confirm"),
    Check("API tokens (contact)", lambda s: "/account/tokens/"),
    Check("portal changes", lambda s: "/portal/changes/"),
    Check("portal change", lambda s: f"/portal/changes/{s.change_id}/"),
    Check("portal knowledge base", lambda s: "/portal/kb/?q=disk"),
    Check("portal handover", lambda s: f"/portal/contracts/{s.contract_id}/handover/"),
    Check("portal training", lambda s: "/portal/trainings/"),
    Check("portal change calendar", lambda s: "/portal/changes/calendar/"),
    Check("portal calendar feed", lambda s: "/portal/changes/feed/"),
    Check("portal releases", lambda s: "/portal/releases/"),
    Check(
        "portal statement",
        lambda s: f"/reports/portal/contracts/{s.contract_id}/statement/?period={s.period}",
    ),
    Check("portal loaners", lambda s: "/portal/loaners/"),
    Check("portal guarantee claims", lambda s: "/portal/claims/"),
    Check("portal tier replay", lambda s: "/portal/replay/"),
    Check(
        "portal tier replay (result)",
        lambda s: f"/portal/replay/?period={s.period}&plan={s.compare_plan_id}",
    ),
]

# Globex's contact (the demo's hardware customer, in Chinese): inspections, claims, survey.
GLOBEX_CONTACT_PAGES: list[Check] = [
    Check("portal inspections", lambda s: "/portal/inspections/"),
    Check("portal inspection visit", lambda s: f"/portal/inspections/{s.globex_visit_id}/"),
    Check("portal guarantee claims (Globex)", lambda s: "/portal/claims/"),
    Check("portal loaners (Globex)", lambda s: "/portal/loaners/"),
    Check("public survey page", lambda s: s.survey_path),
]

# Who signs in (demo user) and what they open; the login page is checked before signing in.
PERSONAS: dict[str, tuple[str, list[Check]]] = {
    "staff": ("manager", STAFF_PAGES),
    "contact": ("acme-it", CONTACT_PAGES),
    "contact-globex": ("globex-it", GLOBEX_CONTACT_PAGES),
}


def _seed() -> Seeded:
    from servicepact.aftercare.models import FollowUp, Survey
    from servicepact.billing.models import PeriodCharge
    from servicepact.changes.choices import ReleaseStatus
    from servicepact.changes.models import Change, ChangeTemplate, Problem, Release
    from servicepact.contracts.models import Contract, ServicePlan
    from servicepact.customers.models import Customer
    from servicepact.demo.seed import seed_demo
    from servicepact.fieldservice.models import WorkOrder
    from servicepact.inspections.models import Visit
    from servicepact.reports.models import Statement
    from servicepact.stock.models import Part
    from servicepact.tickets.choices import EventKind
    from servicepact.tickets.models import Ticket, TicketEvent
    from servicepact.tickets.survey_link import survey_path

    seed_demo(history=False)
    customer = Customer.objects.get(code="acme")
    ticket = Ticket.objects.filter(customer=customer, resolved_at__isnull=True).order_by("pk")[0]
    contract = ticket.contract
    # The month with the storage incident (a closed month with a breach and credits).
    statement = Statement.objects.filter(contract=contract).order_by("-period")[0]
    incident = Ticket.objects.get(subject="Storage controller failure: four hosts down")
    globex = Customer.objects.get(code="globex")
    globex_contract = Contract.objects.filter(customer=globex).order_by("pk")[0]
    # The latest visit (performed and signed ones carry results, photos and the report).
    visit = Visit.objects.filter(plan__customer=globex).order_by("-status", "pk")[0]
    # A resolution of a Globex ticket not yet rated: its survey link opens the form.
    resolution = (
        TicketEvent.objects.filter(ticket__customer=globex, kind=EventKind.RESOLVED)
        .exclude(ticket__in=Survey.objects.values("ticket"))
        .order_by("-at")[0]
    )
    return Seeded(
        customer_id=customer.pk,
        contract_id=contract.pk,
        asset_id=ticket.asset_id,
        ticket_id=ticket.pk,
        resolved_ticket_id=incident.pk,
        change_id=Change.objects.filter(customer=customer).order_by("pk")[0].pk,
        period=str(statement.period),
        charge_id=PeriodCharge.objects.filter(contract=contract).order_by("-period")[0].pk,
        work_order_id=WorkOrder.objects.order_by("pk")[0].pk,
        part_id=Part.objects.order_by("pk")[0].pk,
        problem_id=Problem.objects.order_by("pk")[0].pk,
        release_id=Release.objects.filter(status=ReleaseStatus.PLANNED).order_by("pk")[0].pk,
        change_template_id=ChangeTemplate.objects.order_by("pk")[0].pk,
        followup_id=FollowUp.objects.order_by("pk")[0].pk,
        inspection_visit_id=visit.pk,
        globex_customer_id=globex.pk,
        globex_contract_id=globex_contract.pk,
        globex_visit_id=visit.pk,
        compare_plan_id=ServicePlan.objects.exclude(pk=globex_contract.plan_id)
        .order_by("pk")[0]
        .pk,
        survey_path=survey_path(ticket_id=resolution.ticket_id, event_id=resolution.pk),
    )


def _axe(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical WCAG violations as axe reports them (folded parts,
    such as the ticket's action forms in <details>, are opened first so that axe sees them)."""
    # Evaluated through the DevTools protocol, not as a <script> tag: the site's
    # Content-Security-Policy (no inline script) does not apply to it.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    # Only the page's own folded parts: the header's account menu is a pop-up that, opened,
    # overlays whatever lies under it (a state no one sees while using the page).
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    result = page.evaluate(
        """async (tags) => {
            await new Promise(done => requestAnimationFrame(() => done()));  // after resize
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        WCAG_TAGS,
    )
    return [v for v in result if v["impact"] in BLOCKING]


def _axe_at_both_widths(page: Page, name: str, found: dict[str, list[dict[str, Any]]]) -> None:
    """axe at desktop width, then in the small-screen layout (cards, scrolling tables)."""
    found[name] = _axe(page)
    page.set_viewport_size(PHONE)
    found[f"{name} @{PHONE['width']}px"] = _axe(page)
    page.set_viewport_size(DESKTOP)


def _report(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for page_name, violations in found.items():
        for v in violations:
            lines.append(f"{page_name}: {v['id']} ({v['impact']}) {v['help']}")
            for node in v["nodes"]:
                lines.append(f"    {json.dumps(node['target'])}  {node['html'][:160]}")
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def _sign_in(page: Page, username: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_axe_finds_no_serious_violation(page: Page, persona: str) -> None:
    assert AXE_JS.exists(), "run `npm ci` at the repository root first (axe-core)"
    seeded = _seed()
    username, pages = PERSONAS[persona]
    found: dict[str, list[dict[str, Any]]] = {}

    page.goto("/login/")
    _axe_at_both_widths(page, "login", found)
    page.goto("/login/")
    _sign_in(page, username)
    for check in pages:
        response = page.goto(check.url(seeded))
        assert response is not None and response.status == 200, f"{check.name}: {response}"
        page.wait_for_load_state("networkidle")  # htmx fragments (queue rows) are in
        if check.prepare:
            check.prepare(page)
        _axe_at_both_widths(page, check.name, found)

    failing = {name: v for name, v in found.items() if v}
    if failing:
        pytest.fail(f"axe: serious/critical WCAG violations\n{_report(failing)}", pytrace=False)


def test_the_check_reports_colour_only_links_and_poor_contrast(page: Page) -> None:
    """The harness itself: axe runs under a CSP that forbids inline script, and what it finds
    reaches the report with rule, impact and node."""
    page.set_content(
        """<!doctype html><html lang="en"><head><title>Bad page</title>
        <meta http-equiv="Content-Security-Policy" content="script-src 'none'">
        <style>body { color: #18212d; background: #fff; } a { color: #2457d6;
        text-decoration: none; } .faint { color: #b8bec6; }</style></head>
        <body><main><h1>Bad page</h1><script>window.inlineRan = true;</script>
        <p>Read the <a href="/terms/">terms</a> before you sign.</p>
        <p class="faint">Barely readable</p></main></body></html>"""
    )
    assert page.evaluate("window.inlineRan === undefined")  # a CSP like the site's is in force
    found = {v["id"]: v for v in _axe(page)}
    assert sorted(found) == ["color-contrast", "link-in-text-block"]
    assert [n["target"] for n in found["link-in-text-block"]["nodes"]] == [["a"]]
    assert [n["target"] for n in found["color-contrast"]["nodes"]] == [[".faint"]]
    report = _report({"bad page": list(found.values())})
    assert "bad page: link-in-text-block (serious)" in report
    assert '["a"]  <a href="/terms/">terms</a>' in report


WRAPS_JS = """() => [...document.querySelectorAll('.table-wrap')].map(w => ({
    scrolls: w.scrollWidth > w.clientWidth + 1, tabindex: w.getAttribute('tabindex'),
    role: w.getAttribute('role'), name: w.getAttribute('aria-label')}))"""


def test_a_table_that_scrolls_sideways_is_reachable_by_keyboard(
    page: Page, demo: dict[str, Any], login: Any
) -> None:
    """app.js: at 390 px the contract's tables scroll inside focusable, named regions that the
    arrow keys scroll; at desktop width a table that fits is no tab stop."""
    login(page, "acme-agent", "pw-acme-agent")
    page.goto(f"/desk/contracts/{demo['acme'].contract.pk}/")
    wide = page.evaluate(WRAPS_JS)
    assert wide and any(not w["scrolls"] for w in wide)
    assert all(w["tabindex"] is None for w in wide if not w["scrolls"])

    page.set_viewport_size(PHONE)
    page.wait_for_function(
        "() => document.querySelector('.table-wrap[tabindex=\"0\"][role=region]') !== null"
    )
    narrow = page.evaluate(WRAPS_JS)
    scrolling = [w for w in narrow if w["scrolls"]]
    assert scrolling
    assert all(w["tabindex"] == "0" and w["role"] == "region" for w in scrolling), scrolling
    assert "SLA targets per priority (business time)" in [w["name"] for w in scrolling]

    region = page.get_by_role("region", name="SLA targets per priority (business time)")
    region.focus()
    assert region.evaluate("el => el.scrollLeft") == 0
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")

    page.set_viewport_size(DESKTOP)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.table-wrap')].every("
        "w => w.scrollWidth > w.clientWidth + 1 || !w.hasAttribute('tabindex'))"
    )
