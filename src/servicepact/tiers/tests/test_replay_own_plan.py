"""Replaying a contract under its own plan reproduces its statement, figure by figure.

The month is billing.testing's June (module docstring there): tickets of priorities 1 to 4,
a wait on the customer (T3), breaches of first response, on site and restore, two of them
force majeure (T4), a clock decided in May (T6) and one in July (T5), an open ticket (T7).
"""

from __future__ import annotations

import pytest

from servicepact.billing.periods import Period
from servicepact.billing.testing import june_month, ny
from servicepact.reports.statement import build_statement
from servicepact.tiers.comparison import compare

pytestmark = pytest.mark.django_db

NOW = ny(2025, 7, 1, 12)


@pytest.fixture
def june(clock):
    return june_month(clock)


def test_own_plan_replay_equals_every_statement_figure(june):
    """Compliance rows (met, breached, percent, mean, p90, target per metric and priority),
    per metric, per category and overall; every breach (ticket, metric, priority, deadline,
    breached by, force majeure); the credit total 135.00 USD: all equal to the statement."""
    statement = build_statement(june.contract, "2025-06", now=NOW)
    result = compare(
        contract=june.contract, plan=june.contract.plan, first=Period.parse("2025-06"), now=NOW
    )
    replayed = result["replayed"]
    assert result["plan"]["own"] is True
    assert replayed["compliance"] == statement["compliance"]
    assert replayed["compliance"]["overall"] == {
        "met": 13,
        "breached": 5,
        "total": 18,
        "percent": "72.22",
    }
    assert [
        (b["ticket_id"], b["metric"], b["priority"], b["deadline"], b["breached_by_seconds"])
        for b in replayed["breaches"]
    ] == [
        (b["ticket_id"], b["metric"], b["priority"], b["deadline"], b["breached_by_seconds"])
        for b in statement["breaches"]
    ]
    assert [b["excluded"] for b in replayed["breaches"]] == [
        b["excluded"] for b in statement["breaches"]
    ]
    assert replayed["credits"] == statement["credits"]["amount"] == "135.00"
    # The actual column is the same numbers from the stored clocks.
    assert result["actual"] == replayed
    assert result["difference"]["credits"] == "0.00"
    assert result["difference"]["breaches"] == 0


def test_own_plan_replay_of_a_month_with_a_reopened_ticket(june, clock):
    """A reopening goes through the engine's own replay (the per-clock path): the replay
    still equals the stored clocks of July (T5 decided on 1 Jul, T7 resolved then reopened)."""
    from servicepact.tickets import services as ts

    t7 = june.tickets["T7"]
    clock.at(ny(2025, 7, 2, 10))
    t7 = ts.resolve_ticket(ticket=t7, actor=june.world.agent, resolution="fixed")
    clock.at(ny(2025, 7, 3, 10))
    t7 = ts.reopen_ticket(ticket=t7, actor=june.world.contact.user, reason="again")
    clock.at(ny(2025, 7, 3, 15))
    ts.resolve_ticket(ticket=t7, actor=june.world.agent, resolution="fixed for good")
    now = ny(2025, 8, 1, 12)
    statement = build_statement(june.contract, "2025-07", now=now)
    result = compare(
        contract=june.contract, plan=june.contract.plan, first=Period.parse("2025-07"), now=now
    )
    assert result["replayed"]["compliance"] == statement["compliance"]
    assert result["replayed"]["compliance"]["overall"]["total"] >= 3
    assert result["replayed"]["credits"] == statement["credits"]["amount"]
