"""The pure hours and money rules of a period close (billing.charge_rules)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.charge_rules import (
    Entry,
    Lot,
    MixedCurrencyError,
    WorkGroup,
    close_hours,
    extra_work_lines,
    overage_amount,
    prorated_fee,
    same_currency,
    work_value,
)

D = Decimal


def test_unused_hours_roll_over_then_expire_after_their_last_month():
    """May: 10 h included (expire after 2025-06), 3 used: 7 roll into June. June: the 7
    rolled over are used first by 4 h consumed; 3 of them expire (June was their last
    month); June's own 10 h roll into July."""
    may = close_hours(
        period="2025-05",
        next_period="2025-06",
        lots=[Lot("2025-06", D(10))],
        drawn=D(0),
        consumed=D(3),
    )
    assert may.entries == (
        Entry("2025-05", "consumed", D(-3)),
        Entry("2025-05", "rolled_over", D(-7), "2025-06"),
        Entry("2025-06", "rolled_over", D(7), "2025-06"),
    )
    june = close_hours(
        period="2025-06",
        next_period="2025-07",
        lots=[Lot("2025-07", D(10)), Lot("2025-06", D(7))],
        drawn=D(0),
        consumed=D(4),
    )
    assert june.entries == (
        Entry("2025-06", "consumed", D(-4)),
        Entry("2025-06", "expired", D(-3), "2025-06"),
        Entry("2025-06", "rolled_over", D(-10), "2025-07"),
        Entry("2025-07", "rolled_over", D(10), "2025-07"),
    )
    assert june.overage == 0
    in_june = sum(e.hours for e in june.entries if e.period == "2025-06")
    assert in_june + D(17) == 0  # the month's entries with its lots add up to zero


def test_consumption_beyond_every_lot_is_overage_and_nothing_is_left():
    """10 h available, 2 drawn by a conversion, 12 consumed: 4 h overage, no rollover."""
    result = close_hours(
        period="2025-06",
        next_period="2025-07",
        lots=[Lot("2025-06", D(10))],
        drawn=D(2),
        consumed=D(12),
    )
    assert result.entries == (
        Entry("2025-06", "consumed", D(-12)),
        Entry("2025-06", "overage", D(4)),
    )


def test_no_work_no_rollover_means_the_hours_expire_and_nothing_is_billed():
    result = close_hours(
        period="2025-06",
        next_period="2025-07",
        lots=[Lot("2025-06", D(10))],
        drawn=D(0),
        consumed=D(0),
    )
    assert result.entries == (Entry("2025-06", "expired", D(-10), "2025-06"),)
    assert result.overage == 0


def test_pro_rata_fee_of_a_partial_month_in_the_currency_minor_unit():
    """3000.00 USD for 15 of 30 days is 1500.00; 100000 JPY for 10 of 31 days is 32258 yen
    (32258.06 rounded to whole yen); no covered day, no fee; a full month, the whole fee."""
    assert prorated_fee(D("3000.00"), 15, 30, 2) == D("1500.00")
    assert prorated_fee(D("100000"), 10, 31, 0) == D("32258")
    assert prorated_fee(D("3000.00"), 0, 30, 2) == 0
    assert prorated_fee(D("3000.00"), 30, 30, 2) == D("3000.00")


def test_out_of_hours_minutes_cost_the_multiplier():
    """120 min at 100/h, 60 of them out of hours at x1.5: 100 * (60 + 90) / 60 = 250."""
    assert work_value(120, 60, D(100), D("1.5")) == D(250)
    lines = extra_work_lines([WorkGroup("remote", 120, 60)], {("remote", ""): D(100)}, D("1.5"), 2)
    assert [(x.quantity, x.unit_price, x.amount) for x in lines] == [
        (D("2.00"), D(100), D("250.00"))
    ]


def test_overage_is_priced_at_the_months_rate_card_value():
    """12 h consumed: 6 h remote (100/h) + 6 h on site (150/h) = 1500 for 12 h; 2 h overage
    is 2/12 of it: 250.00. Without overage, nothing."""
    groups = [WorkGroup("remote", 360, 0), WorkGroup("on_site", 360, 0)]
    rates = {("remote", ""): D(100), ("on_site", ""): D(150)}
    assert overage_amount(D(2), D(12), groups, rates, D("1.5"), 2) == D("250.00")
    assert overage_amount(D(0), D(12), groups, rates, D("1.5"), 2) == 0


def test_currencies_are_never_mixed():
    assert same_currency("USD", "USD") == "USD"
    with pytest.raises(MixedCurrencyError):
        same_currency("USD", "EUR")
