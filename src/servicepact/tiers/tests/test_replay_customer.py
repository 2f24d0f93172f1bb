"""A customer's replay: every contract in force, each replayed as alone (its own credit
schedule and fee), totals summed; the asset filter; the own-plan identity per contract.

Data: billing.testing's June (ACME-1, 135.00 USD of credits, 13 of 18 met) and
tiers.testing's ACME-2 (same plan, fee 1000.00, T8 on ``acme-srv02``: 1 of 4 met, 3
breaches, 45.00 USD)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.billing.periods import Period
from servicepact.billing.testing import june_month, ny
from servicepact.contracts.services import create_contract
from servicepact.core.errors import DomainValidationError
from servicepact.reports.statement import build_statement
from servicepact.tickets.testing import FR, ONSITE, RES, RESTORE, always_calendar, plan
from servicepact.tiers.comparison import (
    checked_assets,
    compare,
    compare_customer,
    contracts_in_force,
    months_in_force,
)
from servicepact.tiers.testing import second_contract

pytestmark = pytest.mark.django_db

NOW = ny(2025, 7, 1, 12)
JUNE = Period.parse("2025-06")


@pytest.fixture
def acme(clock):
    june = june_month(clock)
    return june, second_contract(june, clock)


def gold():
    return plan(
        always_calendar(),
        code="gold-24x7",
        targets={(1, FR): 15, (1, ONSITE): 240, (1, RESTORE): 240, (1, RES): 480},
    )


def test_customer_total_is_the_sum_of_the_contract_replays(acme):
    """Under gold at a fee of 2000.00: each contract's column is exactly its own replay;
    the totals are the sums (credits, fee, breaches, late arrivals), and the compliance
    overall is met / total over all the clocks (not the mean of the two percentages)."""
    june, second = acme
    g = gold()
    fee = Decimal(2000)
    result = compare_customer(customer=june.world.customer, plan=g, first=JUNE, fee=fee, now=NOW)
    assert [c["contract"]["number"] for c in result["contracts"]] == ["ACME-1", "ACME-2"]
    alone = [
        compare(contract=c, plan=g, first=JUNE, fee=fee, now=NOW)
        for c in (june.contract, second.contract)
    ]
    assert result["contracts"] == alone
    totals = result["totals"]
    for side in ("actual", "replayed"):
        credits = sum(Decimal(a[side]["credits"]) for a in alone)
        assert totals[side]["credits"] == {"USD": f"{credits:.2f}"}
        fees = sum(Decimal(a[side]["fee"]) for a in alone)
        assert totals[side]["fee"] == {"USD": f"{fees:.2f}"}
        for key in ("breach_count", "late_onsite", "restore_seconds"):
            assert totals[side][key] == sum(a[side][key] for a in alone)
        met = sum(a[side]["compliance"]["overall"]["met"] for a in alone)
        total = sum(a[side]["compliance"]["overall"]["total"] for a in alone)
        assert totals[side]["compliance"]["overall"]["met"] == met
        assert totals[side]["compliance"]["overall"]["total"] == total
    # By hand, actual: ACME-1 135.00 + ACME-2 45.00; 13 + 1 met of 18 + 4 = 63.64 %
    # (the mean of 72.22 % and 25.00 % would be 48.61 %); fees 3000.00 + 1000.00.
    assert totals["actual"]["credits"] == {"USD": "180.00"}
    assert totals["actual"]["fee"] == {"USD": "4000.00"}
    assert totals["actual"]["compliance"]["overall"] == {
        "met": 14, "breached": 8, "total": 22, "percent": "63.64"
    }  # fmt: skip
    assert totals["actual"]["breach_count"] == 5 + 3
    # Replayed: the gold fee for each contract, 2 x 2000.00.
    assert totals["replayed"]["fee"] == {"USD": "4000.00"}
    assert totals["difference"]["fee"] == {"USD": "0.00"}
    replayed_credits = Decimal(totals["replayed"]["credits"]["USD"])
    assert totals["difference"]["credits"] == {"USD": f"{replayed_credits - 180:.2f}"}


def test_own_plan_customer_replay_equals_each_statement(acme):
    """Both contracts on the same plan: replayed under it, each contract's column equals its
    statement (compliance, credits) and the replayed totals equal the actual ones."""
    june, second = acme
    result = compare_customer(
        customer=june.world.customer, plan=june.contract.plan, first=JUNE, now=NOW
    )
    for column, contract in zip(result["contracts"], (june.contract, second.contract), strict=True):
        statement = build_statement(contract, "2025-06", now=NOW)
        assert column["plan"]["own"] is True
        assert column["replayed"]["compliance"] == statement["compliance"]
        assert column["replayed"]["credits"] == statement["credits"]["amount"]
        assert column["replayed"] == column["actual"]
    assert [c["replayed"]["credits"] for c in result["contracts"]] == ["135.00", "45.00"]
    assert result["totals"]["replayed"] == result["totals"]["actual"]
    assert result["totals"]["difference"]["credits"] == {"USD": "0.00"}


def test_asset_filter_excludes_other_assets_breaches_and_credits(acme):
    """Only ``acme-srv02``: ACME-1 (whose tickets are all on ``acme-srv01``) has no clock,
    no breach, no credit; ACME-2 keeps T8's three breaches and 45.00. The other way round,
    ACME-2 replayed for ``acme-srv01`` has nothing (the filter is the tickets query's)."""
    june, second = acme
    customer = june.world.customer
    only = compare_customer(
        customer=customer, plan=june.contract.plan, first=JUNE, now=NOW, asset_ids=[second.asset.pk]
    )
    first, other = only["contracts"]
    for side in ("actual", "replayed"):
        assert first[side]["breach_count"] == 0
        assert first[side]["credits"] == "0.00"
        assert first[side]["compliance"]["overall"]["total"] == 0
        assert other[side]["breach_count"] == 3
        assert {b["ticket_id"] for b in other[side]["breaches"]} == {second.ticket.pk}
        assert other[side]["credits"] == "45.00"
        assert only["totals"][side]["credits"] == {"USD": "45.00"}
    assert only["assets"] == [second.asset.pk]
    assert first["assets"] == [second.asset.pk]
    nothing = compare(
        contract=second.contract, plan=june.contract.plan, first=JUNE, now=NOW,
        asset_ids=[june.world.asset.pk],
    )  # fmt: skip
    assert nothing["replayed"]["breach_count"] == nothing["actual"]["breach_count"] == 0
    assert nothing["replayed"]["credits"] == nothing["actual"]["credits"] == "0.00"
    # ACME-1 for its own asset: the same as unfiltered (all its tickets are there).
    mine = compare(
        contract=june.contract, plan=june.contract.plan, first=JUNE, now=NOW,
        asset_ids=[june.world.asset.pk],
    )  # fmt: skip
    assert mine["replayed"]["credits"] == mine["actual"]["credits"] == "135.00"
    assert mine["actual"]["compliance"]["overall"]["met"] == 13


def test_assets_must_be_the_customers_or_on_the_contract(acme, clock):
    june, second = acme
    with pytest.raises(DomainValidationError) as caught:
        checked_assets([second.asset.pk], contract=june.contract)
    assert "assets" in caught.value.errors
    with pytest.raises(DomainValidationError):
        checked_assets([], customer=june.world.customer)
    from servicepact.tickets.testing import world

    globex = world(code="globex")
    with pytest.raises(DomainValidationError) as caught:
        checked_assets([globex.asset.pk, second.asset.pk], customer=june.world.customer)
    assert str(globex.asset.pk) in str(caught.value.errors["assets"])
    assert checked_assets([second.asset.pk, second.asset.pk], customer=june.world.customer) == [
        second.asset.pk
    ]


def test_contracts_in_force_and_their_months(acme):
    """A contract ended in May and a draft are not replayed; one starting in July is
    replayed for July only in a June-July replay."""
    june, _second = acme
    w = june.world
    create_contract(number="ACME-OLD", customer=w.customer, plan=w.plan,
                    start_date=date(2024, 1, 1), end_date=date(2025, 5, 31))  # fmt: skip
    create_contract(number="ACME-DRAFT", customer=w.customer, plan=w.plan,
                    start_date=date(2025, 1, 1), end_date=date(2025, 12, 31), activate=False)  # fmt: skip
    late = create_contract(number="ACME-LATE", customer=w.customer, plan=w.plan,
                           start_date=date(2025, 7, 1), end_date=date(2025, 12, 31))  # fmt: skip
    july = Period.parse("2025-07")
    numbers = [c.number for c in contracts_in_force(w.customer, JUNE, july)]
    assert numbers == ["ACME-1", "ACME-2", "ACME-LATE"]
    assert [c.number for c in contracts_in_force(w.customer, JUNE)] == ["ACME-1", "ACME-2"]
    assert months_in_force(late, JUNE, july) == (july, july)
    result = compare_customer(customer=w.customer, plan=w.plan, first=JUNE, last=july, now=NOW)
    assert [c["periods"] for c in result["contracts"]] == [
        ["2025-06", "2025-07"], ["2025-06", "2025-07"], ["2025-07"]
    ]  # fmt: skip


def test_totals_sum_amounts_per_currency_never_across():
    """Two contracts in USD and one in EUR: credits and fees are summed per currency; a
    downtime cost total is null when a contract of that currency has none (by hand)."""
    from dataclasses import replace

    from servicepact.billing.clockdata import empty_clocks
    from servicepact.contracts.metrics import load_metrics
    from servicepact.tiers.comparison import total_difference, totals

    def column(credits, fee, downtime, breaches):
        return {"credits": credits, "fee": fee, "downtime_cost": downtime,
                "breach_count": breaches, "late_onsite": 0, "restore_clocks": 0,
                "restore_seconds": 0}  # fmt: skip

    results = [
        {"currency": "USD", "actual": column("10.00", "100.00", "5.00", 1),
         "replayed": column("20.00", "150.00", "1.00", 2)},
        {"currency": "EUR", "actual": column("7.50", "80.00", None, 1),
         "replayed": column("0.00", "90.00", None, 0)},
        {"currency": "USD", "actual": column("0.05", "0.95", "2.00", 0),
         "replayed": column("0.10", "1.00", "0.50", 1)},
    ]  # fmt: skip
    union = replace(empty_clocks(0), metrics=tuple(load_metrics()))
    actual, replayed = totals(results, "actual", union), totals(results, "replayed", union)
    assert actual["credits"] == {"USD": "10.05", "EUR": "7.50"}
    assert actual["fee"] == {"USD": "100.95", "EUR": "80.00"}
    assert actual["downtime_cost"] == {"USD": "7.00", "EUR": None}
    assert replayed["credits"] == {"USD": "20.10", "EUR": "0.00"}
    assert actual["breach_count"] == 2 and replayed["breach_count"] == 3
    diff = total_difference(actual, replayed)
    assert diff["credits"] == {"USD": "10.05", "EUR": "-7.50"}
    assert diff["fee"] == {"USD": "50.05", "EUR": "10.00"}
    assert diff["downtime_cost"] == {"USD": "-5.50", "EUR": None}
    assert diff["breaches"] == 1
