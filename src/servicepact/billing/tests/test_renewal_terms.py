"""A renewal proposal that changes the tier (service plan) and the included hours, and the
closing term's availability in its summary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from servicepact.billing.fees import fee_in_force
from servicepact.billing.models import FeeChange
from servicepact.billing.periods import Period
from servicepact.billing.renewals import accept_renewal, prepare_renewal, send_renewal
from servicepact.billing.testing_commerce import shop
from servicepact.contracts.models import Contract
from servicepact.contracts.services import amend_contract
from servicepact.contracts.terms import version_in_force
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import Clock, ny
from servicepact.monitoring.services import record_outage
from servicepact.tickets.testing import always_calendar, plan

pytestmark = pytest.mark.django_db

D = Decimal


def _ending(s, end: date) -> Contract:
    Contract.objects.filter(pk=s.contract.pk).update(end_date=end)
    s.contract.refresh_from_db()
    return s.contract


def targets(version) -> dict[tuple[int, str], tuple[int, int]]:
    return {
        (t.priority, t.metric): (t.target_minutes, t.calendar_id) for t in version.targets.all()
    }


def test_a_new_tier_and_hours_are_carried_by_the_new_terms_version(clock: Clock):
    """Gold (24x7, P1 first response 15 min) and 20 h a month from 1 Jan 2026: the new
    version carries Gold's targets on its calendar; December keeps 10 h and the old plan's
    targets; January has 20 h and the new fee."""
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    gold = plan(always_calendar("gold-24x7"), code="gold", targets={(1, "first_response"): 15,
                                                                    (1, "resolution"): 240})  # fmt: skip
    clock.at(ny(2025, 11, 3, 10))
    proposal = prepare_renewal(contract=contract, end_date=date(2026, 12, 31), fee_amount="3600",
                               plan=gold, included_hours="20", actor=s.world.agent)  # fmt: skip
    assert (proposal.plan, proposal.included_hours) == (gold, D("20.00"))
    send_renewal(proposal=proposal, actor=s.manager)
    accepted = accept_renewal(proposal=proposal, actor=s.world.contact.user)
    version = accepted.version
    assert version is not None
    assert targets(version) == {
        (1, "first_response"): (15, gold.calendar_id),
        (1, "resolution"): (240, gold.calendar_id),
    }
    old = version_in_force(contract, ny(2025, 12, 15, 12))
    assert old is not None and old.pk != version.pk
    assert version_in_force(contract, ny(2026, 1, 2, 12)) == version
    assert fee_in_force(contract, Period(2025, 12)).included_hours == D("10.00")
    january = fee_in_force(contract, Period(2026, 1))
    assert (january.amount, january.included_hours) == (D("3600.00"), D("20.00"))
    change = FeeChange.objects.get(contract=contract)
    assert change.version == version and change.status == "accepted"
    assert "Gold" in version.reason and "20.00 included hours" in version.reason


def test_new_hours_alone_make_a_fee_change_at_the_same_fee(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    clock.at(ny(2025, 11, 3, 10))
    proposal = prepare_renewal(contract=contract, end_date=date(2026, 12, 31), fee_amount="3000",
                               included_hours="12.5", actor=s.world.agent)  # fmt: skip
    send_renewal(proposal=proposal, actor=s.manager)
    accepted = accept_renewal(proposal=proposal, actor=s.world.contact.user)
    january = fee_in_force(contract, Period(2026, 1))
    assert (january.amount, january.included_hours) == (D("3000.00"), D("12.50"))
    assert FeeChange.objects.get().version == accepted.version


def test_without_a_new_tier_or_hours_nothing_but_the_term_changes(clock: Clock):
    """Negative case: same fee, no plan, no hours: no fee change, the version carries the
    previous version's targets unchanged."""
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    before = targets(contract.versions.get(number=1))
    clock.at(ny(2025, 11, 3, 10))
    proposal = prepare_renewal(contract=contract, end_date=date(2026, 12, 31), fee_amount="3000",
                               actor=s.world.agent)  # fmt: skip
    send_renewal(proposal=proposal, actor=s.manager)
    accepted = accept_renewal(proposal=proposal, actor=s.world.contact.user)
    assert targets(accepted.version) == before
    assert not FeeChange.objects.exists()
    assert fee_in_force(contract, Period(2026, 1)).included_hours == D("10.00")


def test_new_hours_need_a_term_from_the_first_and_valid_hours(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 14))  # the new term starts on the 15th
    clock.at(ny(2025, 11, 3, 10))
    with pytest.raises(DomainValidationError) as error:
        prepare_renewal(contract=contract, end_date=date(2026, 12, 14), fee_amount="3000",
                        included_hours="20", actor=s.world.agent)  # fmt: skip
    assert set(error.value.errors) == {"included_hours"}
    for bad in ("-1", "1.005", "x"):
        with pytest.raises(DomainValidationError) as error:
            prepare_renewal(contract=contract, end_date=date(2026, 12, 14), fee_amount="3000",
                            included_hours=bad, actor=s.world.agent)  # fmt: skip
        assert set(error.value.errors) == {"included_hours"}
    # the same hours as in force are no change: allowed mid-month
    same = prepare_renewal(contract=contract, end_date=date(2026, 12, 14), fee_amount="3000",
                           included_hours="10", actor=s.world.agent)  # fmt: skip
    assert same.included_hours == D("10.00")


def test_an_inactive_plan_is_refused(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    old = plan(always_calendar("old-24x7"), code="old")
    old.is_active = False
    old.save()
    clock.at(ny(2025, 11, 3, 10))
    with pytest.raises(DomainValidationError) as error:
        prepare_renewal(contract=contract, end_date=date(2026, 12, 31), fee_amount="3000",
                        plan=old, actor=s.world.agent)  # fmt: skip
    assert set(error.value.errors) == {"plan"}


def test_the_closing_summary_has_the_terms_availability(clock: Clock):
    """Term 1 Jan - 31 Dec 2025, prepared 3 Nov 10:00 NY: measured 24x7 from 1 Jan 00:00 EST
    (05:00 UTC) to 3 Nov 15:00 UTC = 306 days 10 h = 26,474,400 s on one asset; one hour down
    in June: 1 - 3600 / 26474400 = 99.98640...% -> 99.9864. A 99.9 % commitment from May:
    June (99.8611 %) missed, May and July-November met; January-April have no commitment."""
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    amend_contract(contract=contract, effective_from=ny(2025, 5, 1), reason="availability",
                   kpis=[{"kind": "availability", "target": "99.9",
                          "measurement_calendar": "24x7"}])  # fmt: skip
    clock.at(ny(2025, 7, 2, 9))
    record_outage(asset=s.world.asset, started_at=ny(2025, 6, 10, 14),
                  ended_at=ny(2025, 6, 10, 15), reason="power cut")  # fmt: skip
    clock.at(ny(2025, 11, 3, 10))
    measured = datetime(2025, 11, 3, 15, tzinfo=UTC) - datetime(2025, 1, 1, 5, tzinfo=UTC)
    assert measured.total_seconds() == 26_474_400
    proposal = prepare_renewal(contract=contract, end_date=date(2026, 12, 31), fee_amount="3000",
                               actor=s.world.agent)  # fmt: skip
    summary = proposal.summary
    assert summary["availability_percent"] == "99.9864"
    assert (summary["availability_months_met"], summary["availability_months_missed"]) == (6, 1)


def test_an_unmeasured_term_says_so(clock: Clock):
    """Negative case: a contract without assets has nothing measured: no percentage."""
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    contract.lines.all().delete()
    clock.at(ny(2025, 11, 3, 10))
    proposal = prepare_renewal(contract=contract, end_date=date(2026, 12, 31), fee_amount="3000",
                               actor=s.world.agent)  # fmt: skip
    assert proposal.summary["availability_percent"] is None
    assert proposal.summary["availability_months_met"] == 0
