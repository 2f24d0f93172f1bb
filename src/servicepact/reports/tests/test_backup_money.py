"""(backups, measured here where the statement and the credits are both visible.)

The month's worst RPO and missed drills in the statement and in credits (money rules,
with the cases that must NOT produce a credit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from servicepact.backups.services import (
    create_backup_source,
    create_drill_schedule,
    process_drill_dues,
)
from servicepact.backups.tests.conftest import policy, post_runs, run, utc
from servicepact.billing.facts import period_facts
from servicepact.billing.models import CreditLine
from servicepact.billing.periods import Period
from servicepact.billing.services import compute_period_credits, draft_for
from servicepact.reports.statement import build_statement
from servicepact.tickets.services import amend_contract_terms
from servicepact.tickets.testing import World, world


@pytest.fixture
def acme(db) -> World:
    return world(code="acme")


@pytest.fixture
def generic_token(acme) -> str:
    return create_backup_source(name="generic", kind="generic")[1]


JUNE = Period(2025, 6)
END = utc(2025, 7, 2)  # after the month: everything decided


def terms(w, rpo_credit="5", drill_credit="2"):
    w.contract.fee_amount = Decimal("1000")
    w.contract.save(update_fields=["fee_amount"])
    kpis = [
        {"kind": "rpo", "target": "1440", "credit_percent": rpo_credit},
        {"kind": "backup_drill", "target": "90", "credit_percent": drill_credit},
        {"kind": "rto", "target": "240"},
    ]
    amend_contract_terms(
        contract=w.contract, effective_from=utc(2025, 2, 1), reason="backup terms", kpis=kpis
    )


def kpi_lines(w):
    facts = period_facts(w.contract, JUNE, now=END)
    return [
        (line.metric, line.percent, line.amount)
        for line in draft_for(facts).lines
        if line.rule == "kpi"
    ]


def daily_runs(token, days=range(1, 31)):
    runs = [run(f"d{d}", started=utc(2025, 6, d, 1), finished=utc(2025, 6, d, 1, 30)) for d in days]
    post_runs(Client(), "generic", {"runs": runs}, token)


def test_worst_rpo_over_the_commitment_earns_the_rpo_credit_once(acme, generic_token, clock):
    """Runs every day of June except 06-10..06-12: the worst RPO is from 06-09 01:00 to the
    06-13 01:30 finish = 96.5 h > 24 h -> one line of 5 % of 1000 = 50.00 (not one per gap)."""
    terms(acme)
    policy(acme, since=utc(2025, 5, 31))
    clock.at(END)
    daily_runs(generic_token, [d for d in range(1, 31) if d not in (10, 11, 12)])
    assert kpi_lines(acme) == [("rpo", Decimal("5"), Decimal("50.00"))]
    section = build_statement(acme.contract, JUNE, now=END)["recovery"]
    (copy,) = section["copies"]
    assert copy["worst_rpo_seconds"] == 96 * 3600 + 1800
    assert (copy["commitment_minutes"], copy["met"]) == (1440, False)


def test_daily_runs_within_the_commitment_earn_nothing(acme, generic_token, clock):
    """Negative: runs every day (and 07-01) keep the worst RPO at 24.5 h... above 24 h!
    So the policy's own RPO (26 h) is what it serves: met, no credit line."""
    terms(acme)
    policy(acme, since=utc(2025, 5, 31, 1), rpo=26 * 60)
    clock.at(END)
    daily_runs(generic_token, range(1, 31))
    post_runs(
        Client(),
        "generic",
        {"runs": [run("jul", started=utc(2025, 7, 1, 1), finished=utc(2025, 7, 1, 1, 30))]},
        generic_token,
    )
    assert kpi_lines(acme) == []
    (copy,) = build_statement(acme.contract, JUNE, now=END)["recovery"]["copies"]
    assert copy["met"] is True and copy["worst_rpo_seconds"] == 24 * 3600 + 1800


def test_a_missed_rpo_without_a_credit_percent_earns_nothing(acme, clock):
    """Negative: no run at all (missed), but the RPO KPI names no credit -> no line."""
    terms(acme, rpo_credit=None)
    policy(acme, since=utc(2025, 5, 31))
    assert kpi_lines(acme) == []
    assert build_statement(acme.contract, JUNE, now=END)["recovery"]["rpo_missed"] == 1


def test_missing_offsite_copy_alone_earns_the_rpo_credit(acme, generic_token, clock):
    """Local copies daily, the required off-site copy never: the off-site copy misses."""
    terms(acme)
    policy(acme, since=utc(2025, 5, 31, 1), offsite=True, rpo=26 * 60)
    clock.at(END)
    daily_runs(generic_token)
    july = run("jul", started=utc(2025, 7, 1, 1), finished=utc(2025, 7, 1, 1, 30))
    post_runs(Client(), "generic", {"runs": [july]}, generic_token)
    section = build_statement(acme.contract, JUNE, now=END)["recovery"]
    assert [(c["location"], c["met"]) for c in section["copies"]] == [
        ("local", True),
        ("offsite", False),
    ]
    assert kpi_lines(acme) == [("rpo", Decimal("5"), Decimal("50.00"))]


def test_a_missed_drill_earns_the_drill_credit_and_is_stored(acme, clock):
    """Quarterly drill due 06-30, nothing recorded: missed -> 2 % = 20.00; the statement
    counts it due 1, done 0, missed 1; the stored credit has the kpi line."""
    terms(acme, rpo_credit=None)
    create_drill_schedule(
        contract=acme.contract, kind="restore", interval_months=3, first_due_on=date(2025, 6, 30)
    )
    clock.at(END)
    process_drill_dues()
    assert kpi_lines(acme) == [("backup_drill", Decimal("2"), Decimal("20.00"))]
    section = build_statement(acme.contract, JUNE, now=END)["recovery"]
    assert (section["drills_due"], section["drills_done"], section["drills_missed"]) == (1, 0, 1)
    credit = compute_period_credits(contract=acme.contract, period=JUNE, now=END)
    assert list(
        CreditLine.objects.filter(credit=credit, rule="kpi").values_list("amount", flat=True)
    ) == [Decimal("20.00")]


def test_a_drill_done_in_time_earns_nothing_and_shows_rto_against_the_commitment(acme, clock):
    from servicepact.backups.services import record_drill

    terms(acme, rpo_credit=None)
    schedule = create_drill_schedule(
        contract=acme.contract, kind="restore", interval_months=3, first_due_on=date(2025, 6, 30)
    )
    clock.at(utc(2025, 6, 21))
    record_drill(
        contract=acme.contract,
        schedule=schedule,
        kind="restore",
        scope="db",
        started_at=utc(2025, 6, 20, 10),
        finished_at=utc(2025, 6, 20, 14),
        succeeded=True,
        achieved_rto_minutes=300,
        achieved_rpo_minutes=60,
    )
    clock.at(END)
    process_drill_dues()
    assert kpi_lines(acme) == []
    section = build_statement(acme.contract, JUNE, now=END)["recovery"]
    assert (section["drills_due"], section["drills_done"], section["drills_missed"]) == (1, 1, 0)
    (drill,) = section["drills"]
    assert (drill["achieved_rto_minutes"], drill["committed_rto_minutes"], drill["rto_met"]) == (
        300,
        240,
        False,
    )
    assert (drill["achieved_rpo_minutes"], drill["committed_rpo_minutes"], drill["rpo_met"]) == (
        60,
        1440,
        True,
    )


def test_the_statement_page_shows_backups_and_drills(acme, clock):
    terms(acme, rpo_credit=None)
    policy(acme, since=utc(2025, 5, 31))
    create_drill_schedule(
        contract=acme.contract, kind="restore", interval_months=3, first_due_on=date(2025, 6, 30)
    )
    clock.at(END)
    client = Client()
    client.force_login(acme.agent)
    page = client.get(
        f"/reports/desk/contracts/{acme.contract.pk}/statement/", {"period": "2025-06"}
    ).content.decode()
    assert "Backups and drills" in page
    assert "Drills due this month: 1; done: 0; missed: 1." in page
