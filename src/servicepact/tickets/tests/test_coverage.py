"""Coverage resolution: active, grace, out of contract, and the strictest of several contracts."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.services import create_contract
from servicepact.tickets import services as ts
from servicepact.tickets.models import SlaClock
from servicepact.tickets.testing import always_calendar, plan, world

from .conftest import ny

pytestmark = pytest.mark.django_db


def test_active_contract_covers_the_asset(clock):
    """Within the term the ticket is covered, measured under v1, and says so."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert (t.coverage, t.contract, t.contract_version.number) == (
        CoverageStatus.ACTIVE,
        w.contract,
        1,
    )
    assert "covered by contract ACME-1" in t.coverage_explanation
    assert "term 2025-01-01 to 2026-12-31" in t.coverage_explanation
    assert t.coverage_expires_on is None


def test_grace_period_is_flagged_with_the_expiry_date(clock):
    """Ten days after a contract ended on 2025-05-31 (30 grace days) the ticket is covered in
    grace, keeps its SLA clocks and carries the expiry date."""
    clock.at(ny(2025, 1, 2, 10))
    w = world(end=date(2025, 5, 31))
    clock.at(ny(2025, 6, 10, 10))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert (t.coverage, t.coverage_expires_on) == (CoverageStatus.GRACE, date(2025, 5, 31))
    assert "IN GRACE" in t.coverage_explanation and "until 2025-06-30" in t.coverage_explanation
    assert SlaClock.objects.filter(ticket=t).count() == 2


def test_after_grace_the_ticket_is_out_of_contract_without_clocks(clock):
    """On 2025-07-01, 31 days after the end, there is no coverage: billable, no SLA."""
    clock.at(ny(2025, 1, 2, 10))
    w = world(end=date(2025, 5, 31))
    clock.at(ny(2025, 7, 1, 10))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert (t.coverage, t.contract, t.priority) == (CoverageStatus.OUT_OF_CONTRACT, None, 3)
    assert "not on any contract line in force on 2025-07-01" in t.coverage_explanation
    assert SlaClock.objects.filter(ticket=t).count() == 0


def test_asset_without_a_contract_line_is_out_of_contract(clock):
    """The customer has a contract, but this server is not on it."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    spare = Asset.objects.create(customer=w.customer, site=w.site, hostname="spare01")
    t = ts.open_ticket(customer=w.customer, asset=spare, subject="x")
    assert t.coverage == CoverageStatus.OUT_OF_CONTRACT
    assert "Asset spare01 is not on any contract line" in t.coverage_explanation


def test_strictest_of_two_contracts_wins_and_the_explanation_says_so(clock):
    """The asset is on the standard contract (P3 first response 120 min) and on a 24x7 one
    (60 min): the 24x7 contract applies, and the explanation names the other."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    gold = plan(
        always_calendar(), code="gold", targets={(3, "first_response"): 60, (3, "resolution"): 480}
    )
    c2 = create_contract(
        number="ACME-GOLD",
        customer=w.customer,
        plan=gold,
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
    )
    ContractLine.objects.create(contract=c2, asset=w.asset, start_date=date(2025, 1, 1))
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert t.contract == c2
    assert (
        "Also covered by ACME-1; ACME-GOLD applies because its targets are the strictest"
        in t.coverage_explanation
    )


def test_customer_level_ticket_without_asset_uses_the_customers_contract(clock):
    """No asset: any active contract of the customer covers."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    t = ts.open_ticket(customer=w.customer, subject="Question about invoices", category="request")
    assert (t.coverage, t.contract) == (CoverageStatus.ACTIVE, w.contract)
    assert t.coverage_explanation.startswith("Customer Acme is covered by contract ACME-1")


def test_explanation_is_written_in_the_readers_language(clock):
    """The ticket keeps the facts; the text follows the active language, English is stored."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert t.coverage_code == "active"
    event = t.events.get(kind="opened")
    assert event.data["explanation_facts"] == t.coverage_facts
    assert event.data["explanation"] == t.coverage_explanation
    with translation.override("zh-hans"):
        text = t.coverage_text
    assert text.startswith(f"资产 {w.asset.hostname} 由合同 {w.contract.number}")
    assert "合同期 2025-01-01 至" in text and text.endswith("。")
    with translation.override("en"):
        assert t.coverage_text == t.coverage_explanation


def test_old_tickets_without_facts_show_the_stored_text(clock):
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    t.coverage_facts = {}
    t.coverage_explanation = "Legacy English text."
    with translation.override("zh-hans"):
        assert t.coverage_text == "Legacy English text."
    assert t.coverage_code == ""
