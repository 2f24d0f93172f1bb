"""TCO arithmetic worked out by hand (tiers.tco module docstring)."""

from __future__ import annotations

from decimal import Decimal

from servicepact.tiers.tco import History, OfferInput, break_even, offer_tco, ranked

D = Decimal
HISTORY = History(incidents_per_year=D("0.5"), uncovered_restore_hours=D(40))


def offer(key, *, upgrade="0", extensions=(), warranty=3, hours="20"):
    return OfferInput(
        key=key,
        places=2,
        quantity=1,
        hardware_price=D(10000),
        warranty_years=warranty,
        upgrade_price=D(upgrade),
        extension_prices=tuple(D(e) for e in extensions),
        repair_cost=D(800),
        covered_restore_hours=D(hours),
    )


def test_five_years_standard_against_gold_and_break_even():
    """Standard (3 years NBD, extensions 1500 and 1800, 20 h per restore) against gold
    (upgrade 4000, extensions 2500 and 3000, 4 h per restore), 0.5 incidents a year, 100
    per hour of downtime. Standard: 10000 + 1500 + 1800 + 5 x (0.5 x 20 x 100 = 1000) =
    18300 (fixed 13300, 50 hours). Gold: 10000 + 4000 + 2500 + 3000 + 5 x (0.5 x 4 x 100 =
    200) = 20500 (fixed 19500, 10 hours). Break-even: (19500 - 13300) / (50 - 10) = 155.00
    per hour, where both cost 21050."""
    standard = offer_tco(offer("std", extensions=("1500", "1800")), HISTORY, 5, D(100))
    gold = offer_tco(
        offer("gold", upgrade="4000", extensions=("2500", "3000"), hours="4"), HISTORY, 5, D(100)
    )
    assert [(y.purchase, y.warranty, y.repairs, y.downtime) for y in standard.years] == [
        (D("10000.00"), D("0.00"), D("0.00"), D("1000.00")),
        (D("0.00"), D("0.00"), D("0.00"), D("1000.00")),
        (D("0.00"), D("0.00"), D("0.00"), D("1000.00")),
        (D("0.00"), D("1500.00"), D("0.00"), D("1000.00")),
        (D("0.00"), D("1800.00"), D("0.00"), D("1000.00")),
    ]
    assert (standard.total, standard.fixed, standard.downtime_hours) == (D(18300), D(13300), D(50))
    assert (gold.total, gold.fixed, gold.downtime_hours) == (D(20500), D(19500), D(10))
    assert [r.key for r in ranked([gold, standard])] == ["std", "gold"]
    assert break_even(standard, gold, 2) == D("155.00")
    at_even = [offer_tco(o, HISTORY, 5, D(155)).total for o in (
        offer("std", extensions=("1500", "1800")),
        offer("gold", upgrade="4000", extensions=("2500", "3000"), hours="4"),
    )]  # fmt: skip
    assert at_even == [D(21050), D(21050)]


def test_years_out_of_warranty_pay_repairs_and_the_customers_own_restore_time():
    """One year of warranty, no extension, 3 years: year 1 covered (downtime 0.5 x 20 x 100
    = 1000, no repairs); years 2 and 3 not covered: repairs 0.5 x 800 = 400 and downtime at
    the customer's own 40 h: 0.5 x 40 x 100 = 2000. Total 10000 + 1000 + 2 x 2400 = 15800."""
    result = offer_tco(offer("one", warranty=1), HISTORY, 3, D(100))
    assert [(y.covered, y.repairs, y.downtime) for y in result.years] == [
        (True, D("0.00"), D("1000.00")),
        (False, D("400.00"), D("2000.00")),
        (False, D("400.00"), D("2000.00")),
    ]
    assert result.total == D(15800)


def test_no_break_even_when_downtime_hours_are_equal_or_the_cheaper_is_also_faster():
    """Same restore hours: the totals never meet (None). Cheaper and faster: the break-even
    would be a negative cost (None)."""
    a = offer_tco(offer("a"), HISTORY, 5, D(100))
    b = offer_tco(offer("b", upgrade="1000"), HISTORY, 5, D(100))
    assert break_even(a, b, 2) is None
    fast = offer_tco(offer("fast", hours="4"), HISTORY, 5, D(100))
    assert break_even(fast, b, 2) is None


def test_a_zero_downtime_cost_leaves_only_prices():
    """At 0 per hour the downtime component is 0.00 every year (not a guess of any cost)."""
    result = offer_tco(offer("std", extensions=("1500",)), HISTORY, 4, D(0))
    assert {y.downtime for y in result.years} == {D("0.00")}
    assert result.total == D(11500)
