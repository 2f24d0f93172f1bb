"""Warranty-aware coverage (docs/field-service.md, ADR 0019): an asset under warranty but
without a contract is covered by its warranty tier; with both, the strictest wins; an expired
warranty covers nothing; an extension is a further dated entitlement; the batch resolution
gives the single one's answer; the clocks run on the tier's plan terms and calendar."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from servicepact.assets.coverage import resolve_coverage
from servicepact.assets.models import Asset
from servicepact.assets.services import extend_warranty
from servicepact.contracts.choices import CoverageStatus
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.tickets.models import SlaClock
from servicepact.tickets.refresh import refresh_clocks, ticket_terms
from servicepact.tickets.testing import (
    FR,
    RES,
    business_calendar,
    gold_tier,
    plan,
    warranty,
    world,
)

from .conftest import ny

pytestmark = pytest.mark.django_db


def _spare(w) -> Asset:
    return Asset.objects.create(customer=w.customer, site=w.site, hostname="spare01")


def _clocks(ticket) -> dict[str, tuple[int, object]]:
    return {
        c.metric: (c.target_seconds, c.deadline_at) for c in SlaClock.objects.filter(ticket=ticket)
    }


def test_a_server_under_gold_warranty_without_a_contract_gets_a_4_hour_on_site_clock(clock):
    """Saturday 2025-06-07 22:00 New York, a P1 hardware ticket on spare01 (no contract line,
    Gold 7x24x4 warranty to 2027-12-31): covered by the warranty, no contract; the tier's
    24x7 calendar gives first response 22:15, on site 02:00 Sunday (4 h), resolution 06:00."""
    clock.at(ny(2025, 6, 7, 22))
    w = world()
    spare = _spare(w)
    entitlement = warranty(spare, gold_tier())
    t = ts.open_ticket(
        customer=w.customer, asset=spare, subject="disk", category=Category.HARDWARE,
        impact=1, urgency=1,
    )  # fmt: skip
    assert (t.coverage, t.contract, t.contract_version, t.warranty, t.priority) == (
        CoverageStatus.WARRANTY,
        None,
        None,
        entitlement,
        1,
    )
    assert _clocks(t) == {
        "first_response": (900, ny(2025, 6, 7, 22, 15)),
        "on_site": (14400, ny(2025, 6, 8, 2)),
        "resolution": (28800, ny(2025, 6, 8, 6)),
    }
    assert t.coverage_explanation == (
        "Asset spare01 is covered by Gold 7x24x4 warranty (manufacturer) until 2027-12-31, "
        "under the tier's plan terms, engineer on site until 2027-12-31. No contract covers "
        "it on 2025-06-07."
    )
    with translation.override("zh-hans"):
        assert "保修" in t.coverage_text and "2027-12-31" in t.coverage_text
    # Later evaluations read the same terms (the tier's plan, on site included).
    assert ticket_terms(t).target(1, "on_site").target_seconds == 14400
    refresh_clocks(t, now=ny(2025, 6, 7, 23))
    assert _clocks(t)["on_site"] == (14400, ny(2025, 6, 8, 2))


def test_contract_only_is_covered_by_the_contract_as_before(clock):
    """No warranty: the contract covers, the explanation names it and no warranty is set."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert (t.coverage, t.contract, t.warranty) == (CoverageStatus.ACTIVE, w.contract, None)


def test_with_contract_and_warranty_the_stricter_warranty_wins_and_says_so(clock):
    """acme-srv01 is on ACME-1 (P1 first response 30 business minutes) and under Gold (15 min):
    the warranty's targets are stricter, so it applies; the explanation names the contract."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    entitlement = warranty(w.asset, gold_tier())
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x", impact=1, urgency=1)
    assert (t.coverage, t.contract, t.warranty) == (CoverageStatus.WARRANTY, None, entitlement)
    assert t.coverage_explanation.endswith(
        "Also covered by ACME-1; the warranty applies because its targets are the strictest "
        "(first response, then resolution)."
    )
    assert _clocks(t)["first_response"] == (900, ny(2025, 6, 9, 10, 15))


def test_with_contract_and_a_weaker_warranty_the_contract_wins_and_names_the_warranty(clock):
    """A P3 ticket: ACME-1 answers in 120 business minutes, the Basic warranty in 240: the
    contract applies and the explanation names the warranty tier as the other candidate."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    basic = plan(business_calendar("basic"), code="basic", targets={(3, FR): 240, (3, RES): 2400})
    warranty(w.asset, basic)
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert (t.coverage, t.contract, t.warranty) == (CoverageStatus.ACTIVE, w.contract, None)
    assert "Also covered by Basic warranty; ACME-1 applies" in t.coverage_explanation


def test_on_a_tie_the_contract_wins(clock):
    """Same targets (P3 120/960 min) on the contract and the warranty: the contract applies."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    warranty(w.asset, w.plan)
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    assert (t.coverage, t.contract) == (CoverageStatus.ACTIVE, w.contract)


def test_an_expired_warranty_leaves_the_asset_out_of_contract(clock):
    """The warranty ended on 2024-12-31: on 2025-06-09 spare01 is out of contract, no clocks."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    spare = _spare(w)
    warranty(spare, gold_tier(), date(2022, 1, 1), date(2024, 12, 31))
    t = ts.open_ticket(customer=w.customer, asset=spare, subject="x", impact=1, urgency=1)
    assert (t.coverage, t.warranty) == (CoverageStatus.OUT_OF_CONTRACT, None)
    assert "not on any contract line in force on 2025-06-09" in t.coverage_explanation
    assert SlaClock.objects.filter(ticket=t).count() == 0


def test_an_extension_is_a_further_dated_entitlement(clock):
    """Gold to 2025-06-30, extended to 2026-06-30 (from 2025-07-01): a ticket on 2025-06-30
    is covered by the original, one on 2025-07-15 by the extension; the asset's warranty_end
    follows the latest end."""
    clock.at(ny(2025, 6, 30, 10))
    w = world()
    spare = _spare(w)
    original = warranty(spare, gold_tier(), date(2023, 1, 1), date(2025, 6, 30))
    extension = extend_warranty(warranty=original, ends_on=date(2026, 6, 30))
    assert (extension.extends, extension.labour_start, extension.onsite_end) == (
        original,
        date(2025, 7, 1),
        date(2026, 6, 30),
    )
    spare.refresh_from_db()
    assert spare.warranty_end == date(2026, 6, 30)
    before = ts.open_ticket(customer=w.customer, asset=spare, subject="x")
    clock.at(ny(2025, 7, 15, 10))
    after = ts.open_ticket(customer=w.customer, asset=spare, subject="y")
    assert (before.warranty, after.warranty) == (original, extension)
    assert "until 2026-06-30" in after.coverage_explanation


def test_without_the_on_site_component_there_is_no_on_site_clock(clock):
    """Labour to 2027, on site only to 2025-03-31: on 2025-06-09 a P1 hardware ticket is
    covered by the warranty but gets no on-site clock, and a refresh does not add one."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    spare = _spare(w)
    warranty(spare, gold_tier(), onsite_end=date(2025, 3, 31))
    t = ts.open_ticket(customer=w.customer, asset=spare, subject="x", impact=1, urgency=1)
    assert t.coverage == CoverageStatus.WARRANTY
    assert set(_clocks(t)) == {"first_response", "resolution"}
    assert "without an on-site promise on 2025-06-09" in t.coverage_explanation
    refresh_clocks(t, now=ny(2025, 6, 9, 11))
    assert set(_clocks(t)) == {"first_response", "resolution"}


def test_the_batch_resolution_gives_the_single_answer(clock):
    """open_tickets_many (CoverageLookups) and resolve_coverage one by one agree for: warranty
    only, contract and a stricter warranty, an expired warranty, contract only."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    gold = gold_tier()
    spare, old = _spare(w), Asset.objects.create(customer=w.customer, hostname="old01")
    warranty(spare, gold)
    warranty(w.asset, gold)
    warranty(old, gold, date(2020, 1, 1), date(2022, 12, 31))
    plain = Asset.objects.create(customer=w.customer, hostname="plain01")
    w.contract.lines.create(asset=plain, start_date=date(2025, 1, 1))
    requests = [
        ts.OpenRequest(customer=w.customer, asset=a, subject=a.hostname, impact=1, urgency=1)
        for a in (spare, w.asset, old, plain)
    ]
    bulk = ts.open_tickets_many(requests)
    assert [t.coverage for t in bulk] == ["warranty", "warranty", "out_of_contract", "active"]
    for request, ticket in zip(requests, bulk, strict=True):
        alone = resolve_coverage(
            customer=request.customer, asset=request.asset, at=ticket.opened_at,
            impact=1, urgency=1,
        )  # fmt: skip
        assert (alone.status, alone.explanation, alone.warranty, alone.contract) == (
            ticket.coverage,
            ticket.coverage_explanation,
            ticket.warranty,
            ticket.contract,
        )
        assert _clocks(ticket) == _clocks(ts.open_ticket(**vars(request)))


def test_a_tier_target_edit_re_measures_open_warranty_tickets(clock):
    """Gold's P1 on-site target goes from 4 h to 2 h at 23:00: the open warranty ticket opened
    at 22:00 is due on site at 00:00 instead of 02:00, with a deadline_moved event."""
    clock.at(ny(2025, 6, 7, 22))
    w = world()
    spare = _spare(w)
    gold = gold_tier()
    warranty(spare, gold)
    t = ts.open_ticket(customer=w.customer, asset=spare, subject="x", impact=1, urgency=1)
    clock.at(ny(2025, 6, 7, 23))
    ts.set_plan_target(plan=gold, priority=1, metric="on_site", target_minutes=120)
    assert _clocks(t)["on_site"] == (7200, ny(2025, 6, 8, 0))
    assert t.events.filter(kind="deadline_moved").count() == 1
