"""Total cost of ownership of vendor offers: pure arithmetic (docs/tier-replay.md, "TCO").

For an offer over years 1..N at a downtime cost of ``rate`` per hour, per year y:

- purchase: the hardware price x quantity in year 1;
- warranty: the upgrade price x quantity in year 1; the extension price of year y x quantity
  for each year after the included ones that the offer prices;
- covered(y): y <= included years, or an extension price exists for y;
- repairs: when not covered, quantity x incidents per year x repair cost (parts and travel);
- downtime: quantity x incidents per year x restore hours x rate, the restore hours being the
  tier's (from the replay of the customer's history) when covered, else the customer's own.

Each component is rounded half up to the currency's minor unit. The break-even downtime
cost between two offers A and B is where their totals meet: ``(F_B - F_A) / (H_A - H_B)``
with F the total without downtime and H the downtime hours over the N years (none when the
hours are equal or the rate would be negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class OfferInput:
    key: str
    places: int  # the currency's minor unit
    quantity: int
    hardware_price: Decimal
    warranty_years: int
    upgrade_price: Decimal
    extension_prices: tuple[Decimal, ...]
    repair_cost: Decimal
    covered_restore_hours: Decimal  # per incident under the offer's tier


@dataclass(frozen=True)
class History:
    incidents_per_year: Decimal  # per unit, from the customer's comparable assets
    uncovered_restore_hours: Decimal  # per incident, as it happened


@dataclass(frozen=True)
class YearCost:
    year: int
    covered: bool
    purchase: Decimal
    warranty: Decimal
    repairs: Decimal
    downtime: Decimal
    downtime_hours: Decimal

    @property
    def total(self) -> Decimal:
        return self.purchase + self.warranty + self.repairs + self.downtime


@dataclass(frozen=True)
class OfferTco:
    key: str
    years: tuple[YearCost, ...]

    @property
    def total(self) -> Decimal:
        return sum((y.total for y in self.years), Decimal(0))

    @property
    def fixed(self) -> Decimal:
        """Everything but the downtime (does not depend on the rate)."""
        return sum((y.total - y.downtime for y in self.years), Decimal(0))

    @property
    def downtime_hours(self) -> Decimal:
        return sum((y.downtime_hours for y in self.years), Decimal(0))


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def offer_tco(offer: OfferInput, history: History, years: int, rate: Decimal) -> OfferTco:
    rows = []
    q = Decimal(offer.quantity)
    incidents = q * history.incidents_per_year
    for y in range(1, years + 1):
        extension = y - offer.warranty_years - 1
        priced = 0 <= extension < len(offer.extension_prices)
        covered = y <= offer.warranty_years or priced
        warranty = offer.upgrade_price * q if y == 1 else Decimal(0)
        if priced:
            warranty += offer.extension_prices[extension] * q
        hours = incidents * (
            offer.covered_restore_hours if covered else history.uncovered_restore_hours
        )
        rows.append(
            YearCost(
                year=y,
                covered=covered,
                purchase=_round(offer.hardware_price * q if y == 1 else Decimal(0), offer.places),
                warranty=_round(warranty, offer.places),
                repairs=_round(
                    Decimal(0) if covered else incidents * offer.repair_cost, offer.places
                ),
                downtime=_round(hours * rate, offer.places),
                downtime_hours=hours,
            )
        )
    return OfferTco(offer.key, tuple(rows))


def ranked(results: Sequence[OfferTco]) -> list[OfferTco]:
    """Cheapest first (ties by key: a stable answer)."""
    return sorted(results, key=lambda r: (r.total, r.key))


def break_even(a: OfferTco, b: OfferTco, places: int) -> Decimal | None:
    """The downtime cost per hour at which ``a`` and ``b`` cost the same over the years."""
    hours = a.downtime_hours - b.downtime_hours
    if hours == 0:
        return None
    rate = (b.fixed - a.fixed) / hours
    return None if rate < 0 else _round(rate, places)


def sensitivity(
    offers: Sequence[OfferInput], history: History, years: int, rates: Sequence[Decimal]
) -> list[tuple[Decimal, list[Decimal]]]:
    """Each offer's total at each downtime cost (the offers' order kept)."""
    return [(r, [offer_tco(o, history, years, r).total for o in offers]) for r in rates]
