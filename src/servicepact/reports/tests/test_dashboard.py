"""Portfolio figures: compliance by customer and plan, breaches, risk, credits, renewals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.billing.services import compute_period_credits
from servicepact.billing.testing import june_month, ny
from servicepact.reports.dashboard import portfolio
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def test_month_to_date_compliance_and_breaches(clock, settings):
    """Provider zone UTC. As of 30 Jun 19:00 NY (23:00 UTC) June (UTC) has the same 18
    decided clocks as the customer's June: 13 / 18 = 72.22 % for Acme and its plan; breaches
    first response P1 1, on site P1 2, restore P1 2."""
    settings.TIME_ZONE = "UTC"
    june = june_month(clock)
    d = portfolio(now=ny(2025, 6, 30, 19))
    assert d["month"] == "2025-06"
    assert d["overall"] == {"met": 13, "breached": 5, "total": 18, "percent": "72.22"}
    assert d["by_customer"] == [
        {"name": "Acme", "met": 13, "breached": 5, "total": 18, "percent": "72.22"}
    ]
    assert [r["name"] for r in d["by_plan"]] == [june.contract.plan.name]
    assert [(b["metric"], b["by_priority"]) for b in d["breaches"]] == [
        ("first_response", [1, 0, 0, 0]),
        ("on_site", [2, 0, 0, 0]),
        ("restore", [2, 0, 0, 0]),
        ("resolution", [0, 0, 0, 0]),
        ("parts_delivery", [0, 0, 0, 0]),  # every defined metric has its row
    ]


def test_at_risk_credits_owed_and_renewals(clock, settings):
    """On 3 Jul 11:00 NY: T7's resolution (P4, 2400 min from Fri 27 Jun 10:00) is due Thu 3
    Jul 14:00: at risk with 180 minutes left. June's computed credits (135.00 USD) are owed.
    Beta's contract ends 1 Sep 2025: a renewal in 60 days, notice due 3 Jun."""
    settings.TIME_ZONE = "UTC"
    june = june_month(clock)
    compute_period_credits(contract=june.contract, period="2025-06")
    clock.at(ny(2025, 7, 1, 12, 5))
    world(code="beta", end=date(2025, 9, 1))
    d = portfolio(now=ny(2025, 7, 3, 11))
    assert (d["at_risk"]["count"], d["at_risk"]["overdue"]) == (1, 0)
    (risk,) = d["at_risk"]["rows"]
    assert (risk["ticket"], risk["metric"], risk["minutes_left"]) == (
        june.tickets["T7"].number,
        "Resolution",
        180,
    )
    assert d["credits"]["period"] == "2025-06"
    assert d["credits"]["totals"] == [
        {"currency": "USD", "amount": Decimal("135.00"), "contracts": 1}
    ]
    (renewal,) = d["renewals"]
    assert (renewal["contract"], renewal["days_left"], renewal["notice_by"]) == (
        "BETA-1",
        60,
        date(2025, 6, 3),
    )
