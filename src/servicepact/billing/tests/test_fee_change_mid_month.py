"""A fee change effective on any day: the month it falls inside is split pro rata by days
(``charge_rules.prorated_fee``, once per line), the included hours likewise, and the
contract version starts that day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.billing.commercial import (
    accept_fee_change,
    approve_fee_change,
    close_month_charges,
    propose_fee_change,
)
from servicepact.billing.credits import monthly_fee
from servicepact.billing.hours import included_hours_for
from servicepact.billing.periods import Period
from servicepact.billing.testing_commerce import shop
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import Clock, ny
from servicepact.core.time import local_midnight

pytestmark = pytest.mark.django_db

D = Decimal


def _accepted(s, *, fee: str, hours: str, day: date):
    change = propose_fee_change(contract=s.contract, fee_amount=fee, included_hours=hours,
                                effective_from=day, reason="more servers", actor=s.world.agent)  # fmt: skip
    approve_fee_change(change=change, actor=s.manager)
    return accept_fee_change(change=change, actor=s.world.contact.user)


def test_a_change_on_the_11th_splits_the_month_10_30_old_and_20_30_new(clock: Clock):
    """June has 30 days; 3000 -> 3600 and 10 h -> 12 h from 11 June:
    base fee 3000 x 10/30 = 1000.00 and 3600 x 20/30 = 2400.00 (two lines, 3400.00);
    included hours 10 x 10/30 + 12 x 20/30 = 3.333... + 8 = 11.33 h (rounded once);
    the credits' monthly fee is the day-weighted 3400.00. May is untouched (negative: 3000,
    one line); July is the new fee whole. The version starts at 11 June's local midnight."""
    s = shop(clock)
    change = _accepted(s, fee="3600", hours="12", day=date(2025, 6, 11))
    assert change.version.effective_from == local_midnight(date(2025, 6, 11), "America/New_York")
    june = Period(2025, 6)
    assert included_hours_for(s.contract, june) == D("11.33")
    assert monthly_fee(s.contract, june) == D("3400.00")
    clock.at(ny(2025, 8, 1, 9))
    may, jun, jul = (
        close_month_charges(contracts=[s.contract], period=Period(2025, m))[0] for m in (5, 6, 7)
    )
    base = [(x.description, x.unit_price, x.amount) for x in jun.lines.filter(kind="base_fee")]
    assert base == [
        ("Base fee, 10 of 30 days", D("3000.00"), D("1000.00")),
        ("Base fee, 20 of 30 days", D("3600.00"), D("2400.00")),
    ]
    assert (jun.total, jun.hours["included"]) == (D("3400.00"), "11.33")
    assert [x.amount for x in may.lines.filter(kind="base_fee")] == [D("3000.00")]
    assert (may.total, may.hours["included"]) == (D("3000.00"), "10.00")
    assert (jul.total, jul.hours["included"]) == (D("3600.00"), "12.00")


def test_yen_parts_are_rounded_to_whole_yen_per_line(clock: Clock):
    """JPY has no minor unit; July has 31 days; 100000 -> 130000 from 11 July:
    100000 x 10/31 = 32258.06 -> 32258 and 130000 x 21/31 = 88064.52 -> 88065: 120323."""
    s = shop(clock, currency="JPY", fee="100000")
    _accepted(s, fee="130000", hours="10", day=date(2025, 7, 11))
    clock.at(ny(2025, 8, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=Period(2025, 7))
    assert [x.amount for x in charge.lines.filter(kind="base_fee")] == [D("32258"), D("88065")]
    assert charge.total == D("120323")


def test_a_contract_ending_inside_a_split_month_pays_only_its_days(clock: Clock):
    """Term ends 20 June, change from 11 June: 10 days old (1000.00) + 10 days new
    (3600 x 10/30 = 1200.00) = 2200.00; the 10 days after the term are not billed."""
    s = shop(clock)
    s.contract.end_date = date(2025, 6, 20)
    s.contract.save(update_fields=["end_date"])
    _accepted(s, fee="3600", hours="12", day=date(2025, 6, 11))
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    assert [x.amount for x in charge.lines.filter(kind="base_fee")] == [
        D("1000.00"),
        D("1200.00"),
    ]
    assert charge.total == D("2200.00")


def test_a_change_in_a_closed_month_or_outside_the_term_is_refused(clock: Clock):
    """Negative: June's charge produced: a change from 20 June is a 422 on effective_from;
    a day after the term's end too."""
    s = shop(clock)
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    for day in (date(2025, 6, 20), date(2027, 1, 5)):
        with pytest.raises(DomainValidationError) as error:
            propose_fee_change(contract=s.contract, fee_amount="1", included_hours="1",
                               effective_from=day, reason="x", actor=s.world.agent)  # fmt: skip
        assert "effective_from" in error.value.errors
