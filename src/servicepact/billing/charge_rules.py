"""The money and hours rules of a period close, pure (no Django, no database): the product's
period close (``billing.charges``), the ledger pages and the benchmark call them.

Hours (a month's maintenance balance, docs/commercial.md "The hours ledger"):

* the balance is made of lots: the month's included hours and the hours rolled over from
  earlier months, each with the month after which it expires;
* draws (consumed hours, conversions to project hours, negative adjustments) take the lot
  that expires first, so rolled-over hours go before the month's own;
* at the close, every lot's remainder either expires (its last month) or rolls over to the
  next month with the same expiry; consumption beyond every lot is overage, billed;
* so a closed month's entries add up to zero, and anyone can recompute them.

Money: exact ``Decimal`` in one currency per charge (a credit in another currency is an error,
never converted); amounts are rounded once per line to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HOURS = Decimal("0.01")
ZERO = Decimal("0")
MINUTES_PER_HOUR = Decimal(60)


class MixedCurrencyError(ValueError):
    """Two amounts in different currencies met in one sum."""


def hours_of(minutes: int | Decimal) -> Decimal:
    """Minutes as hours to 0.01 h (half up)."""
    return (Decimal(minutes) / MINUTES_PER_HOUR).quantize(HOURS, rounding=ROUND_HALF_UP)


def round_money(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def same_currency(expected: str, *others: str) -> str:
    """``expected``, or MixedCurrencyError when any other code differs."""
    for code in others:
        if code != expected:
            raise MixedCurrencyError(f"cannot combine {code} with {expected}")
    return expected


# ---------------------------------------------------------------- hours


@dataclass(frozen=True, order=True)
class Lot:
    """Hours available in a month until the end of ``expires`` ("YYYY-MM")."""

    expires: str
    hours: Decimal


@dataclass(frozen=True)
class Entry:
    """A ledger entry the close writes: ``period`` "YYYY-MM", signed hours."""

    period: str
    kind: str
    hours: Decimal
    expires: str = ""


@dataclass(frozen=True)
class HoursClose:
    entries: tuple[Entry, ...]
    consumed: Decimal
    overage: Decimal
    available: Decimal  # every lot before any draw


def close_hours(
    *,
    period: str,
    next_period: str,
    lots: Iterable[Lot],
    drawn: Decimal,
    consumed: Decimal,
) -> HoursClose:
    """The entries that close a month's maintenance balance.

    ``lots``: the month's included hours, the hours rolled over into it and positive
    adjustments; ``drawn``: hours already taken by recorded entries (conversions, negative
    adjustments); ``consumed``: billable hours the work logs used on included work.
    """
    ordered = sorted(lot for lot in lots if lot.hours > 0)
    available = sum((lot.hours for lot in ordered), ZERO)
    need = drawn + consumed
    entries: list[Entry] = []
    if consumed > 0:
        entries.append(Entry(period, "consumed", -consumed))
    overage = max(ZERO, need - available)
    if overage > 0:
        entries.append(Entry(period, "overage", overage))
    left: dict[tuple[str, bool], Decimal] = {}
    for lot in ordered:
        take = min(lot.hours, need)
        need -= take
        remainder = lot.hours - take
        if remainder > 0:
            key = (lot.expires, lot.expires <= period)
            left[key] = left.get(key, ZERO) + remainder
    for (expires, expired), hours in sorted(left.items()):
        if expired:
            entries.append(Entry(period, "expired", -hours, expires))
        else:
            entries.append(Entry(period, "rolled_over", -hours, expires))
            entries.append(Entry(next_period, "rolled_over", hours, expires))
    return HoursClose(tuple(entries), consumed, overage, available)


# ---------------------------------------------------------------- money


def work_value(
    minutes: int, out_of_hours_minutes: int, rate: Decimal, multiplier: Decimal
) -> Decimal:
    """The price of logged minutes, unrounded: out-of-hours minutes cost ``multiplier`` times."""
    weighted = Decimal(minutes) + (multiplier - 1) * Decimal(out_of_hours_minutes)
    return rate * weighted / MINUTES_PER_HOUR


def prorated_fee(monthly_fee: Decimal, covered_days: int, month_days: int, places: int) -> Decimal:
    """The base fee of a month the contract covered only ``covered_days`` of."""
    if covered_days <= 0:
        return ZERO
    if covered_days >= month_days:
        return round_money(monthly_fee, places)
    return round_money(monthly_fee * covered_days / month_days, places)


@dataclass(frozen=True)
class Line:
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class WorkGroup:
    """Billable minutes of one work type and role ("" for none), and how many of them were
    out of hours."""

    work_type: str
    minutes: int
    out_of_hours_minutes: int
    role: str = ""

    @property
    def label(self) -> str:
        return f"{self.work_type}, {self.role}" if self.role else self.work_type


# The rate card: (work type, role) -> price of an hour; role "" is the work type's rate.
Rates = Mapping[tuple[str, str], Decimal]


def rate_for(rates: Rates, work_type: str, role: str) -> Decimal:
    """The price of an hour of ``work_type`` done in ``role``: the role's own rate when the
    card has one, else the work type's rate, else 0 (one price per hour, never both)."""
    if role and (work_type, role) in rates:
        return rates[(work_type, role)]
    return rates.get((work_type, ""), ZERO)


def overage_amount(
    overage_hours: Decimal,
    consumed_hours: Decimal,
    consumed: Sequence[WorkGroup],
    rates: Rates,
    multiplier: Decimal,
    places: int,
) -> Decimal:
    """Overage hours at the rate card: the month's included-work value (rates per work type
    and role, out-of-hours multiplier) times the share of its hours that were overage."""
    if overage_hours <= 0 or consumed_hours <= 0:
        return ZERO
    value = sum(
        (
            work_value(
                g.minutes, g.out_of_hours_minutes, rate_for(rates, g.work_type, g.role), multiplier
            )
            for g in consumed
        ),
        ZERO,
    )
    return round_money(value * overage_hours / consumed_hours, places)


def extra_work_lines(
    extra: Sequence[WorkGroup], rates: Rates, multiplier: Decimal, places: int
) -> list[Line]:
    """One line per work type and role of billable extra work (out of scope), at the rate
    card (``rate_for``: a role without a rate of its own is priced at the work type's)."""
    lines = []
    for group in sorted(extra, key=lambda g: (g.work_type, g.role)):
        if group.minutes <= 0:
            continue
        rate = rate_for(rates, group.work_type, group.role)
        amount = round_money(
            work_value(group.minutes, group.out_of_hours_minutes, rate, multiplier), places
        )
        lines.append(Line("extra_work", group.label, hours_of(group.minutes), rate, amount))
    return lines


@dataclass(frozen=True)
class PartRow:
    """A part used in the month: its cost per unit in the contract's currency."""

    part_number: str
    description: str
    quantity: int
    unit_cost: Decimal
    under_warranty: bool


def part_price(unit_cost: Decimal, markup_percent: Decimal, places: int) -> Decimal:
    """Cost plus the rate card's markup, rounded to the currency's minor unit."""
    return round_money(unit_cost * (1 + markup_percent / 100), places)


def part_lines(parts: Sequence[PartRow], markup_percent: Decimal, places: int) -> list[Line]:
    """One line per part used out of warranty: quantity x (cost + markup). A part under
    warranty is never charged; a part priced 0 makes no line."""
    lines = []
    for part in parts:
        if part.under_warranty:
            continue
        price = part_price(part.unit_cost, markup_percent, places)
        amount = price * part.quantity
        if amount <= 0:
            continue
        label = f"{part.part_number} {part.description}".strip()
        lines.append(Line("parts", label, Decimal(part.quantity), price, amount))
    return lines


def total(lines: Iterable[Line]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)
