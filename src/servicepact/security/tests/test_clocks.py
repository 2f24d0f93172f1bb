"""Remediation deadlines from the contract's patch commitments, measured by the SLA engine."""

from __future__ import annotations

import pytest

from servicepact.core.testing import ny, utc
from servicepact.security import services
from servicepact.security.testing import advisory_args, secured
from servicepact.tickets.testing import user, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = world(code="acme")
    secured(w)
    return w


MONDAY = utc(2025, 6, 2, 10)


def report(w, severity="critical", at=MONDAY, cve="CVE-2024-6387"):
    advisory = services.create_advisory(**advisory_args(severity, cve))
    return services.report_vulnerability(
        advisory=advisory, contract=w.contract, assets=[w.asset], reported_at=at
    )


def test_a_critical_vulnerability_gets_72_hours_around_the_clock(w, clock):
    """Reported Mon 2 Jun 10:00 UTC; 72 h 24x7 -> deadline Thu 5 Jun 10:00 UTC."""
    clock.at(utc(2025, 6, 2, 12))
    v = report(w)
    assert (v.severity, v.target_seconds, v.measured_over) == ("critical", 259200, "24x7")
    assert v.deadline_at == utc(2025, 6, 5, 10)
    assert v.clock_status == "running"
    assert v.elapsed_seconds == 2 * 3600


def test_patched_inside_the_deadline_is_met_and_measured(w, clock):
    """Patched 70 h after the report: met; one patch-deadline measurement of 70 h, met."""
    clock.at(utc(2025, 6, 2, 10))
    v = report(w)
    clock.at(utc(2025, 6, 5, 8))
    v = services.mark_patched(item=v, actor=w.agent)
    assert (v.state, v.clock_status, v.elapsed_seconds) == ("patched", "met", 70 * 3600)
    assert v.measurement is not None
    assert (str(v.measurement.value), v.measurement.met, v.measurement.kind) == (
        "70.0000",
        True,
        "patch_deadline",
    )


def test_patched_late_is_breached_by_the_overrun(w, clock):
    clock.at(utc(2025, 6, 2, 10))
    v = report(w)
    clock.at(utc(2025, 6, 5, 13))
    v = services.mark_patched(item=v, actor=w.agent)
    assert (v.clock_status, v.breached_at, v.breached_by_seconds) == (
        "breached",
        utc(2025, 6, 5, 10),
        3 * 3600,
    )
    assert v.measurement.met is False


def test_mitigation_keeps_the_clock_running(w, clock):
    clock.at(utc(2025, 6, 2, 10))
    v = report(w)
    clock.at(utc(2025, 6, 3, 10))
    v = services.mitigate(item=v, mitigation="Port 22 closed at the firewall", actor=w.agent)
    assert (v.state, v.clock_status, v.deadline_at) == ("mitigated", "running", utc(2025, 6, 5, 10))
    assert v.mitigation == "Port 22 closed at the firewall"


def test_accepted_risk_pauses_the_clock_and_reopening_resumes_it(w, clock):
    """24 h run, then the customer accepts the risk for 48 h: paused, no deadline, no breach
    at the old deadline; reopened, the 48 h remaining run again -> deadline moves by 48 h."""
    clock.at(utc(2025, 6, 2, 10))
    v = report(w)
    clock.at(utc(2025, 6, 3, 10))
    v = services.accept_risk(item=v, note="Isolated lab host", actor=w.contact.user)
    assert (v.state, v.clock_status, v.deadline_at, v.next_check_at) == (
        "accepted_risk",
        "paused",
        None,
        None,
    )
    assert v.accepted_by == w.contact.user
    clock.at(utc(2025, 6, 5, 11))  # past the original deadline: still no breach
    v = services.refresh(v)
    assert (v.clock_status, v.breached_at) == ("paused", None)
    v = services.reopen(item=v, actor=w.agent, note="host back in production")
    assert v.deadline_at == utc(2025, 6, 7, 11)  # 48 h left from 5 Jun 11:00
    assert v.elapsed_seconds == 24 * 3600


def test_only_the_customers_contact_accepts_the_risk(w, clock):
    from django.core.exceptions import PermissionDenied

    clock.at(utc(2025, 6, 2, 10))
    v = report(w)
    other = world(code="globex")
    for who in (w.agent, other.contact.user, user("nobody")):
        with pytest.raises(PermissionDenied):
            services.accept_risk(item=v, note="no", actor=who)
    v.refresh_from_db()
    assert v.state == "open" and v.events.count() == 1


def test_a_false_positive_is_neither_met_nor_breached(w, clock):
    clock.at(utc(2025, 6, 2, 10))
    v = report(w)
    clock.at(utc(2025, 6, 6, 10))  # after the deadline
    v = services.mark_false_positive(item=v, reason="Backported fix in 8.9p1-3", actor=w.agent)
    assert (v.state, v.clock_status) == ("false_positive", "stopped")
    assert v.measurement is None


def test_coverage_hours_measure_a_high_on_business_hours():
    """High 168 h over the plan's calendar (Mon-Fri 09-18 NY, 9 h a day): reported Mon 2 Jun
    09:00 NY -> 168 h = 18 days and 6 h of business time -> Thu 26 Jun 15:00 NY."""
    w = world(code="acme")
    secured(w, calendar="coverage")
    v = report(w, "high", at=ny(2025, 6, 2, 9))
    assert v.measured_over == "coverage"
    assert v.deadline_at == ny(2025, 6, 26, 15)


def test_no_commitment_for_the_severity_means_no_clock(w, clock):
    clock.at(utc(2025, 6, 2, 10))
    v = report(w, "medium", cve="CVE-2023-1111")
    assert (v.clock_status, v.deadline_at, v.next_check_at) == ("none", None, None)


def test_transitions_refused_from_final_states(w, clock):
    from servicepact.core.errors import TransitionError

    clock.at(utc(2025, 6, 2, 10))
    v = services.mark_patched(item=report(w), actor=w.agent)
    for call in (
        lambda: services.mitigate(item=v, mitigation="x", actor=w.agent),
        lambda: services.mark_patched(item=v, actor=w.agent),
        lambda: services.reopen(item=v, actor=w.agent),
    ):
        with pytest.raises(TransitionError):
            call()
    assert v.events.count() == 2
