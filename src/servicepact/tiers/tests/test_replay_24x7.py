"""A 24x7 plan replayed over a history measured in business hours, by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.periods import Period
from servicepact.billing.testing import june_schedule
from servicepact.tickets import services as ts
from servicepact.tickets.testing import FR, ONSITE, RES, RESTORE, always_calendar, ny, plan, world
from servicepact.tiers.comparison import compare
from servicepact.tiers.services import set_downtime_cost

pytestmark = pytest.mark.django_db

NOW = ny(2025, 7, 1, 12)


@pytest.fixture
def friday(clock):
    """One P1 hardware ticket on Mon-Fri 09:00-18:00 New York: opened Fri 6 Jun 2025 17:00,
    acknowledged 17:20, engineer on site Mon 9 Jun 09:30, restored 10:00, resolved 11:00."""
    clock.at(ny(2025, 5, 1, 8))
    w = world(code="acme")
    june_schedule(w.contract)
    gold = plan(
        always_calendar(),
        code="gold-24x7",
        targets={(1, FR): 15, (1, ONSITE): 240, (1, RESTORE): 240, (1, RES): 480},
    )
    set_downtime_cost(customer=w.customer, cost_per_hour="1000", currency="USD")
    clock.at(ny(2025, 6, 6, 17))
    t = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Down", impact=1, urgency=1
    )
    for at, step in (
        (ny(2025, 6, 6, 17, 20), ts.acknowledge_ticket),
        (ny(2025, 6, 9, 9, 30), ts.record_onsite_arrival),
        (ny(2025, 6, 9, 10), ts.record_restore),
    ):
        clock.at(at)
        t = step(ticket=t, actor=w.agent)
    clock.at(ny(2025, 6, 9, 11))
    ts.resolve_ticket(ticket=t, actor=w.agent, resolution="PSU")
    clock.at(NOW)
    return w, gold, t


def test_business_hours_history_under_24x7(friday):
    """Business hours (actual): first response 20 min <= 30, on site 60 (Fri 17-18) + 30
    (Mon 09-09:30) = 90 <= 240, restore 60 + 60 = 120 <= 240, resolution 180 <= 480: 4 met.

    24x7 (replayed): first response 20 > 15, breached by 5 min = 300 s at Fri 17:15 EDT
    (21:15 UTC); on site Fri 17:00 -> Mon 09:30 = 64.5 h = 3870 min > 240, by 3630 min =
    217800 s at Fri 21:00 EDT (Sat 01:00 UTC); restore 65 h = 3900 min, by 3660 min = 219600
    s; resolution 66 h = 3960 min > 480, by 3480 min = 208800 s. 0 of 4 met; 1 late arrival.

    Credits (P1: on site 2 %, first response 1 %, restore 1.5 %; resolution earns none) at
    a gold fee of 1000.00: 4.5 % = 45.00; actual 0.00 (no breach). Restore with the promise
    kept: actual 65 h (met: to the restore) = 65,000.00 at 1000/h, 24x7 4 h = 4,000.00.
    """
    w, gold, _ticket = friday
    result = compare(
        contract=w.contract, plan=gold, first=Period.parse("2025-06"), fee=Decimal(1000), now=NOW
    )
    actual, replayed = result["actual"], result["replayed"]
    assert actual["compliance"]["overall"] == {
        "met": 4, "breached": 0, "total": 4, "percent": "100.00"
    }  # fmt: skip
    assert actual["breaches"] == []  # no breach that must not exist
    assert replayed["compliance"]["overall"] == {
        "met": 0, "breached": 4, "total": 4, "percent": "0.00"
    }  # fmt: skip
    assert [
        (b["metric"], b["deadline"], b["breached_by_seconds"]) for b in replayed["breaches"]
    ] == [
        (FR, "2025-06-06T21:15:00+00:00", 300),
        (ONSITE, "2025-06-07T01:00:00+00:00", 217800),
        (RESTORE, "2025-06-07T01:00:00+00:00", 219600),
        (RES, "2025-06-07T05:00:00+00:00", 208800),
    ]
    assert (actual["late_onsite"], replayed["late_onsite"]) == (0, 1)
    assert (actual["credits"], replayed["credits"]) == ("0.00", "45.00")
    assert (actual["restore_seconds"], replayed["restore_seconds"]) == (234000, 14400)
    assert (actual["downtime_cost"], replayed["downtime_cost"]) == ("65000.00", "4000.00")
    assert result["difference"]["downtime_cost"] == "-61000.00"
    assert result["difference"]["fee"] == "1000.00"
    rows = {
        (r["metric"], r["priority"]): r["target_seconds"] for r in replayed["compliance"]["rows"]
    }
    assert rows[(FR, 1)] == 900  # the gold plan's target, not the contract's 1800


def test_tco_evidence_from_the_customers_history(friday):
    """Last 12 months to 1 Jul 2025: 1 hardware incident on 1 asset = 1.0000 a year; restored
    as it happened Fri 17:00 -> Mon 10:00 = 65.00 h; under the 24x7 plan with the promise
    kept 4.00 h; under the business-hours plan (met) 65.00 h. No other customer's ticket
    counts (Globex has none here: 0 incidents)."""
    from servicepact.tickets.testing import world as make_world
    from servicepact.tiers.evidence import customer_evidence, tier_restore_hours

    w, gold, _ticket = friday
    evidence = customer_evidence(w.customer, now=NOW)
    assert (evidence.incidents, evidence.assets, evidence.restores) == (1, 1, 1)
    assert evidence.history.incidents_per_year == Decimal("1.0000")
    assert evidence.history.uncovered_restore_hours == Decimal("65.00")
    assert tier_restore_hours(w.customer, gold, now=NOW) == Decimal("4.00")
    assert tier_restore_hours(w.customer, w.contract.plan, now=NOW) == Decimal("65.00")
    other = make_world(code="globex")
    assert customer_evidence(other.customer, now=NOW).incidents == 0
