"""Missed security deadlines in the statement and in the per-breach credits.

World: contract ACME-1 at 3000 USD a month, cap 30 %; critical patch 72 h, high 168 h
(24x7); credits per breach: critical 5 %, high 3 % (vulnerabilities), high 2 % (findings).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.services import compute_period_credits, set_credit_schedule
from servicepact.contracts.models import Contract
from servicepact.core.testing import ny, utc
from servicepact.reports.statement import build_statement
from servicepact.security import services
from servicepact.security.testing import advisory_args, secured
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db
AFTER_JUNE = ny(2025, 7, 1, 12)


@pytest.fixture
def w(clock):
    clock.at(utc(2025, 5, 20))
    w = world(code="acme")
    Contract.objects.filter(pk=w.contract.pk).update(fee_amount=Decimal("3000"))
    w.contract.refresh_from_db()
    set_credit_schedule(version=w.contract.versions.get(number=1), cap_percent="30")
    secured(w)
    return w


def vuln(w, clock, severity, at, cve):
    clock.at(at)
    advisory = services.create_advisory(**advisory_args(severity, cve))
    return services.report_vulnerability(
        advisory=advisory, contract=w.contract, assets=[w.asset], reported_at=at
    )


def patch(w, clock, item, at):
    clock.at(at)
    return services.mark_patched(item=item, actor=w.agent)


def june(w, clock):
    clock.at(AFTER_JUNE)
    return build_statement(w.contract, "2025-06", now=AFTER_JUNE)


def test_a_breached_high_is_in_the_statement_and_earns_its_credit(w, clock):
    """High reported 3 Jun 00:00 UTC, deadline 10 Jun 00:00, patched 12 Jun 00:00: breached
    by 48 h -> 3 % of 3000 = 90.00. The critical patched after 48 h earns nothing."""
    critical = vuln(w, clock, "critical", utc(2025, 6, 2, 10), "CVE-2024-0001")
    high = vuln(w, clock, "high", utc(2025, 6, 3), "CVE-2024-0002")
    patch(w, clock, critical, utc(2025, 6, 4, 10))
    patch(w, clock, high, utc(2025, 6, 12))
    s = june(w, clock)
    sec = s["security"]
    assert [(b["number"], b["severity"], b["breached_by_seconds"]) for b in sec["breaches"]] == [
        (high.number, "high", 48 * 3600)
    ]
    assert sec["vulnerabilities"] == {
        "reported": 2,
        "patched": 2,
        "patched_in_time": 1,
        "false_positive": 0,
        "accepted_risk": 0,
        "open": 0,
    }
    lines = s["credits"]["lines"]
    assert [(x["ticket"], x["percent"], x["amount"]) for x in lines] == [
        (high.number, "3.00", "90.00")
    ]
    assert s["credits"]["amount_due"] == "90.00"


def test_patched_in_time_earns_no_credit(w, clock):
    critical = vuln(w, clock, "critical", utc(2025, 6, 2, 10), "CVE-2024-0001")
    patch(w, clock, critical, utc(2025, 6, 5, 10))  # exactly at the deadline: met
    s = june(w, clock)
    assert s["security"]["breaches"] == []
    assert s["credits"]["lines"] == []
    assert s["credits"]["amount_due"] == "0.00"


def test_a_breach_still_open_at_the_cutoff_counts_without_a_worker_pass(w, clock):
    """Critical reported 20 Jun 00:00 UTC, never patched, no worker pass: its deadline
    23 Jun 00:00 is a June breach as of the cut-off (5 % = 150.00)."""
    v = vuln(w, clock, "critical", utc(2025, 6, 20), "CVE-2024-0003")
    s = june(w, clock)
    assert [b["number"] for b in s["security"]["breaches"]] == [v.number]
    assert [x["amount"] for x in s["credits"]["lines"]] == ["150.00"]


def test_accepted_risk_before_the_deadline_is_no_breach(w, clock):
    v = vuln(w, clock, "critical", utc(2025, 6, 2, 10), "CVE-2024-0001")
    clock.at(utc(2025, 6, 3, 10))
    services.accept_risk(item=v, note="Signed off by the CISO", actor=w.contact.user)
    s = june(w, clock)
    assert s["security"]["breaches"] == []
    assert s["credits"]["lines"] == []
    assert s["security"]["vulnerabilities"]["accepted_risk"] == 1


def test_a_false_positive_after_the_deadline_is_no_breach(w, clock):
    v = vuln(w, clock, "critical", utc(2025, 6, 2, 10), "CVE-2024-0001")
    clock.at(utc(2025, 6, 9))
    services.mark_false_positive(item=v, reason="Package not installed", actor=w.agent)
    s = june(w, clock)
    assert s["security"]["breaches"] == [] and s["credits"]["lines"] == []


def test_a_breach_without_a_credit_row_for_its_severity_earns_nothing(w, clock):
    """A critical finding (rectification 120 h) is breached, but the schedule pays only high
    findings: listed in the statement, no credit line."""
    clock.at(utc(2025, 6, 2))
    audit = services.schedule_audit(
        contract=w.contract, kind="pentest", due_on=utc(2025, 6, 1).date()
    )
    finding = services.add_finding(
        audit=audit,
        title="Admin panel exposed",
        severity="critical",
        actor=w.agent,
        reported_at=utc(2025, 6, 2),
    )
    s = june(w, clock)
    assert [b["number"] for b in s["security"]["breaches"]] == [finding.number]
    assert s["credits"]["lines"] == []


def test_a_breached_high_finding_earns_the_finding_rate(w, clock):
    clock.at(utc(2025, 6, 2))
    audit = services.schedule_audit(
        contract=w.contract, kind="pentest", due_on=utc(2025, 6, 1).date()
    )
    services.add_finding(
        audit=audit,
        title="TLS 1.0 enabled",
        severity="high",
        actor=w.agent,
        reported_at=utc(2025, 6, 2),
    )
    s = june(w, clock)
    assert [(x["percent"], x["amount"]) for x in s["credits"]["lines"]] == [("2.00", "60.00")]


def test_the_cap_limits_security_lines_too(w, clock):
    set_credit_schedule(version=w.contract.versions.get(number=1), cap_percent="4")
    for n, day in enumerate((2, 9)):
        vuln(w, clock, "high", utc(2025, 6, day), f"CVE-2024-100{n}")
    s = june(w, clock)
    assert [(x["rule"], x["percent"], x["amount"]) for x in s["credits"]["lines"]] == [
        ("breach", "3.00", "90.00"),
        ("breach", "3.00", "90.00"),
        ("cap", "-2.00", "-60.00"),
    ]
    assert s["credits"]["amount_due"] == "120.00"


def test_a_breach_in_july_is_not_a_june_credit(w, clock):
    vuln(w, clock, "high", utc(2025, 6, 28), "CVE-2024-0004")  # deadline 5 Jul
    s = june(w, clock)
    assert s["security"]["breaches"] == [] and s["credits"]["lines"] == []


def test_computed_credits_store_the_security_line(w, clock):
    high = vuln(w, clock, "high", utc(2025, 6, 3), "CVE-2024-0002")
    patch(w, clock, high, utc(2025, 6, 12))
    clock.at(AFTER_JUNE)
    credit = compute_period_credits(contract=w.contract, period="2025-06", now=AFTER_JUNE)
    line = credit.lines.get()
    assert (line.rule, line.ticket_number, line.metric, line.amount) == (
        "breach",
        high.number,
        "patch_deadline",
        Decimal("90.00"),
    )
    assert credit.computed_amount == Decimal("90.00")


def test_the_patch_deadline_kpi_row_is_measured(w, clock):
    critical = vuln(w, clock, "critical", utc(2025, 6, 2, 10), "CVE-2024-0001")
    high = vuln(w, clock, "high", utc(2025, 6, 3), "CVE-2024-0002")
    patch(w, clock, critical, utc(2025, 6, 4, 10))
    patch(w, clock, high, utc(2025, 6, 12))
    rows = {(k["kind"], k["severity"]): k for k in june(w, clock)["kpis"]}
    crit, hi = rows[("patch_deadline", "critical")], rows[("patch_deadline", "high")]
    assert (crit["measured"], crit["met"], crit["missed"], crit["highest"]) == (True, 1, 0, "48")
    assert (hi["measured"], hi["met"], hi["missed"], hi["highest"]) == (True, 0, 1, "216")


def test_the_statement_page_shows_the_security_section(w, clock):
    from django.test import Client

    from servicepact.billing.testing import manager

    high = vuln(w, clock, "high", utc(2025, 6, 3), "CVE-2024-0002")
    patch(w, clock, high, utc(2025, 6, 12))
    clock.at(AFTER_JUNE)
    client = Client()
    client.force_login(manager("boss"))
    page = client.get(
        f"/reports/desk/contracts/{w.contract.pk}/statement/", {"period": "2025-06"}
    ).content.decode()
    assert "Vulnerabilities and security audits" in page
    assert page.count(high.number) == 2  # the missed deadline and its credit line
    assert "2d 0h 00m" in page


def test_audit_verify_recomputes_the_security_credit_lines(clock, tmp_path, capsys):
    """The busy June of test_audit_verify plus a high vulnerability patched two days late:
    its 3 % line is in credits.json and the export still recomputes with 0 differences."""
    from servicepact.reports.tests.test_audit_verify import NOW, busy_june, export_to, line, verify

    june = busy_june(clock)
    secured(june.world)
    v = vuln(june.world, clock, "high", utc(2025, 6, 3), "CVE-2024-0002")
    patch(june.world, clock, v, utc(2025, 6, 12))
    clock.at(NOW)
    snapshot = build_statement(june.contract, "2025-06", now=NOW)
    assert v.number in [x["ticket"] for x in snapshot["credits"]["lines"]]
    code, out, err = verify(capsys, export_to(tmp_path, june))
    assert (code, err) == (0, ""), out
    assert line(out, f"credit breach {v.number} patch_deadline amount")[-3:] == [
        "90.00",
        "90.00",
        "ok",
    ]
    assert line(out, "kpi patch_deadline high missed")[-3:] == ["1", "1", "ok"]
