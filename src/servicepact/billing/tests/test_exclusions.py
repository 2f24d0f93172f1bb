"""Exclusions: customer-caused delay (paused time), force majeure, planned maintenance."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from servicepact.billing import availability as availability_module
from servicepact.billing.facts import period_facts
from servicepact.billing.periods import Period
from servicepact.billing.services import (
    compute_period_credits,
    flag_force_majeure,
    set_credit_schedule,
)
from servicepact.billing.testing import june_month, ny
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import utc
from servicepact.tickets import services as ts

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _no_monitoring(monkeypatch):
    monkeypatch.setattr(availability_module, "contract_availability", None)


def credited(credit):
    return [(x.ticket_number, x.metric, x.amount, x.exclusion_reason) for x in credit.lines.all()]


def test_time_waiting_on_the_customer_is_not_the_providers(clock):
    """P2 resolution credit 5 % (150.00). T3 waited on the customer Wed 17:00 -> Thu 11:00 and
    was resolved after 60 + 300 = 360 business minutes: met, no credit. T8 has the same
    timeline without the wait (Wed 16:00 -> Thu 16:00 = 120 + 420 = 540 > 480): breached,
    150.00."""
    june = june_month(clock)
    set_credit_schedule(
        version=june.contract.versions.get(number=1),
        breach_credits=[{"metric": "resolution", "priority": 2, "credit_percent": "5"}],
    )
    w = june.world
    t8 = ts.open_ticket(
        customer=w.customer,
        contact=w.contact,
        asset=w.asset,
        subject="VPN flaps again",
        impact=2,
        urgency=2,
        category="network",
        opened_at=ny(2025, 6, 11, 16),
    )
    ts.acknowledge_ticket(ticket=t8, actor=w.agent, at=ny(2025, 6, 11, 16, 30))
    ts.resolve_ticket(ticket=t8, actor=w.agent, at=ny(2025, 6, 12, 16))
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    t8.refresh_from_db()
    assert credited(credit) == [(t8.number, "resolution", D("150.00"), "")]


def test_a_force_majeure_period_excludes_breaches_inside_it(clock):
    """A flood from Tue 3 Jun 00:00 to Wed 4 Jun 00:00 (NY): T2 was opened inside it, so its
    first-response breach (30.00) earns nothing; T1's breaches (2 Jun) still count: 105.00."""
    june = june_month(clock)
    flag_force_majeure(
        contract=june.contract,
        actor=june.manager,
        reason="Regional power cut",
        starts_at=ny(2025, 6, 3),
        ends_at=ny(2025, 6, 4),
    )
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    t2 = june.tickets["T2"].number
    assert (t2, "first_response", D("0.00"), "force majeure: Regional power cut") in credited(
        credit
    )
    assert credit.computed_amount == D("105.00")


def test_force_majeure_needs_a_reason_and_a_ticket_or_a_period(clock):
    """No reason, nothing flagged, or a period that ends before it starts: 422, nothing stored."""
    june = june_month(clock)
    with pytest.raises(DomainValidationError) as no_reason:
        flag_force_majeure(
            contract=june.contract, actor=june.manager, reason=" ", ticket=june.tickets["T1"]
        )
    assert "reason" in no_reason.value.errors
    with pytest.raises(DomainValidationError) as nothing:
        flag_force_majeure(contract=june.contract, actor=june.manager, reason="Storm")
    assert "ticket" in nothing.value.errors
    with pytest.raises(DomainValidationError) as backwards:
        flag_force_majeure(
            contract=june.contract,
            actor=june.manager,
            reason="Storm",
            starts_at=ny(2025, 6, 4),
            ends_at=ny(2025, 6, 3),
        )
    assert "ends_at" in backwards.value.errors
    assert june.contract.force_majeure.count() == 1  # T4's, from the data set


def fake_availability(*slices: SimpleNamespace):
    """Monitoring's AvailabilityResult for June (30 days = 2,592,000 s on 24x7)."""

    def measure(contract, year, month):
        unplanned = sum(s.seconds for s in slices if not s.planned)
        planned = sum(s.seconds for s in slices if s.planned)
        measured = 2_592_000
        percent = (100 * (1 - D(unplanned) / D(measured))).quantize(D("0.0001"))
        return SimpleNamespace(
            contract_id=contract.pk,
            period=f"{year:04d}-{month:02d}",
            calendar="24x7",
            measured_seconds=measured,
            unplanned_downtime_seconds=unplanned,
            planned_downtime_seconds=planned,
            availability_percent=percent,
            commitment_percent=D("99.95"),
            met=percent >= D("99.95"),
            slices=slices,
        )

    return measure


def downtime(start: datetime, end: datetime, planned: bool) -> SimpleNamespace:
    return SimpleNamespace(
        asset_id=1,
        hostname="acme-srv01",
        start=start,
        end=end,
        seconds=int((end - start).total_seconds()),
        planned=planned,
        cause="manual: test",
        change_id=7 if planned else None,
    )


def test_planned_maintenance_does_not_lower_the_availability_credit(clock, monkeypatch):
    """30 min unplanned (1800 s of 2,592,000: 99.9306 % < 99.95 -> 5 % = 150.00) plus a 4 h
    approved maintenance window, which does not count (with it: 99.375 % -> 10 %)."""
    june = june_month(clock)
    monkeypatch.setattr(
        availability_module,
        "contract_availability",
        fake_availability(
            downtime(utc(2025, 6, 10, 2), utc(2025, 6, 10, 2, 30), planned=False),
            downtime(utc(2025, 6, 14, 2), utc(2025, 6, 14, 6), planned=True),
        ),
    )
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    tier = credit.lines.get(rule="availability")
    assert (tier.percent, tier.amount) == (D("5.00"), D("150.00"))
    assert tier.description == ("availability 99.9306 % below 99.95 % -> 5 % (schedule ACME-1 v1)")
    assert credit.computed_amount == D("285.00")


def test_force_majeure_period_takes_its_downtime_out_of_availability(clock, monkeypatch):
    """The same 30-minute outage inside a flagged period (10 Jun 01:00-03:00 UTC) leaves no
    unplanned downtime: 100 % and no availability credit; 15 of its minutes inside a period
    ending 02:15 leave 900 s: 99.9653 %, still no tier."""
    june = june_month(clock)
    monkeypatch.setattr(
        availability_module,
        "contract_availability",
        fake_availability(downtime(utc(2025, 6, 10, 2), utc(2025, 6, 10, 2, 30), planned=False)),
    )
    fm = flag_force_majeure(
        contract=june.contract,
        actor=june.manager,
        reason="Datacentre fire",
        starts_at=utc(2025, 6, 10, 1),
        ends_at=utc(2025, 6, 10, 2, 15),
    )
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert not credit.lines.filter(rule="availability").exists()
    facts = period_facts(june.contract, Period(2025, 6))
    assert (facts.availability.force_majeure_seconds, facts.availability.percent) == (
        900,
        D("99.9653"),
    )
    fm.ends_at = utc(2025, 6, 10, 3)
    fm.save()
    facts = period_facts(june.contract, Period(2025, 6))
    assert (facts.availability.force_majeure_seconds, facts.availability.percent) == (
        1800,
        D("100.0000"),
    )


def test_planned_maintenance_with_the_monitoring_app(clock, monkeypatch):
    """Measured by monitoring.availability: a 30-minute outage (unplanned) and a 4-hour one
    inside an approved change window (planned). 1800 of 2,592,000 s: 99.9305 % (truncated):
    below 99.95 -> 5 % = 150.00; the planned 14,400 s do not count (else 99.375 % -> 10 %)."""
    monkeypatch.undo()  # the real monitoring app, not the autouse stub
    from servicepact.changes.services import approve_change, request_change
    from servicepact.monitoring.services import record_outage

    june = june_month(clock)
    w = june.world
    record_outage(
        asset=w.asset, started_at=utc(2025, 6, 10, 2), ended_at=utc(2025, 6, 10, 2, 30),
        reason="PSU tripped",
    )  # fmt: skip
    change = request_change(
        customer=w.customer, title="Firmware", assets=[w.asset],
        planned_start=utc(2025, 6, 14, 2), planned_end=utc(2025, 6, 14, 6),
    )  # fmt: skip
    approve_change(change=change, actor=w.contact.user)
    record_outage(
        asset=w.asset, started_at=utc(2025, 6, 14, 2), ended_at=utc(2025, 6, 14, 6),
        reason="Firmware update",
    )  # fmt: skip
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    tier = credit.lines.get(rule="availability")
    assert tier.description == "availability 99.9305 % below 99.95 % -> 5 % (schedule ACME-1 v1)"
    assert (tier.amount, credit.computed_amount) == (D("150.00"), D("285.00"))
