"""The TCO comparison of a customer's vendor offers, with its recommendation line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.core.money import format_amount, minor_units
from servicepact.tiers.choices import MAX_YEARS
from servicepact.tiers.evidence import customer_evidence, tier_restore_hours
from servicepact.tiers.models import DowntimeCost, VendorOffer
from servicepact.tiers.tco import OfferInput, OfferTco, break_even, offer_tco, ranked, sensitivity

SENSITIVITY = (Decimal(0), Decimal("0.5"), Decimal(1), Decimal(2), Decimal(4))
COMPONENTS = ("purchase", "warranty", "repairs", "downtime")


def customer_rate(customer_id: int) -> Decimal | None:
    """The customer's general downtime cost per hour (else its first per-contract one)."""
    rows = list(DowntimeCost.objects.filter(customer_id=customer_id).order_by("contract_id", "pk"))
    general = [r for r in rows if r.contract_id is None]
    chosen = general or rows
    return chosen[0].cost_per_hour if chosen else None


def check(offers: Sequence[VendorOffer], years: int) -> None:
    errors: dict[str, list[str]] = {}
    if not offers:
        errors["offers"] = [_("choose at least one offer")]
    elif len({o.customer_id for o in offers}) > 1:
        errors["offers"] = [_("the offers must be for one customer")]
    elif len({o.currency for o in offers}) > 1:
        errors["offers"] = [_("the offers must be in one currency")]
    if not 1 <= years <= MAX_YEARS:
        errors["years"] = [_("from 1 to %(max)d years") % {"max": MAX_YEARS}]
    if errors:
        raise DomainValidationError(errors)


def tco_report(
    *, offers: Sequence[VendorOffer], years: int, rate: Decimal | None, now: datetime
) -> dict[str, Any]:
    """Per offer and year the cost components, totals, the ranking, the recommendation and
    the sensitivity of the totals to the downtime cost."""
    check(offers, years)
    customer = offers[0].customer
    currency = offers[0].currency
    places = minor_units(currency)
    rate = rate if rate is not None else customer_rate(customer.pk) or Decimal(0)
    evidence = customer_evidence(customer, now=now)
    hours: dict[int, Decimal] = {}
    inputs = []
    for o in offers:
        tier = o.tier
        if tier.pk not in hours:
            hours[tier.pk] = tier_restore_hours(customer, tier, now=now)
        inputs.append(
            OfferInput(
                key=str(o.pk),
                places=places,
                quantity=o.quantity,
                hardware_price=o.hardware_price,
                warranty_years=o.warranty_years,
                upgrade_price=o.upgrade_price,
                extension_prices=tuple(Decimal(p) for p in o.extension_prices),
                repair_cost=o.repair_cost,
                covered_restore_hours=hours[tier.pk],
            )
        )
    results = [offer_tco(i, evidence.history, years, rate) for i in inputs]
    order = ranked(results)

    def money(value: Decimal) -> str:
        return format_amount(value, currency)

    by_key = {str(o.pk): o for o in offers}
    even = break_even(order[0], order[1], places) if len(order) > 1 else None
    return {
        "customer_id": customer.pk,
        "currency": currency,
        "years": years,
        "downtime_cost_per_hour": money(rate),
        "evidence": {
            "incidents": evidence.incidents,
            "assets": evidence.assets,
            "incidents_per_year": str(evidence.history.incidents_per_year),
            "restore_hours_actual": str(evidence.history.uncovered_restore_hours),
            "restores": evidence.restores,
            "since": evidence.since.isoformat(),
            "until": evidence.until.isoformat(),
        },
        "offers": [_offer_out(by_key[r.key], r, inputs[i], money) for i, r in enumerate(results)],
        "ranking": [int(r.key) for r in order],
        "recommendation": {
            "cheapest": int(order[0].key),
            "runner_up": int(order[1].key) if len(order) > 1 else None,
            "break_even_per_hour": None if even is None else money(even),
            "text": recommendation_text(order, by_key, rate, even, money),
        },
        "sensitivity": [
            {"rate": money(r), "totals": [money(t) for t in totals]}
            for r, totals in sensitivity(
                inputs, evidence.history, years, [rate * f for f in SENSITIVITY]
            )
        ],
    }


def _offer_out(
    offer: VendorOffer, result: OfferTco, given: OfferInput, money: Callable[[Decimal], str]
) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "label": f"{offer.vendor} {offer.model} ({offer.tier.name})",
        "tier": offer.tier.name,
        "restore_hours": str(given.covered_restore_hours),
        "total": money(result.total),
        "downtime_hours": str(result.downtime_hours.quantize(Decimal("0.01"))),
        "years": [
            {
                "year": y.year,
                "covered": y.covered,
                **{c: money(getattr(y, c)) for c in COMPONENTS},
                "total": money(y.total),
            }
            for y in result.years
        ],
    }


def recommendation_text(
    order: list[OfferTco],
    by_key: dict[str, VendorOffer],
    rate: Decimal,
    even: Decimal | None,
    money: Callable[[Decimal], str],
) -> str:
    best = by_key[order[0].key]
    text = _("Cheapest at %(rate)s per hour of downtime: %(offer)s, %(total)s over the period.") % {
        "rate": money(rate),
        "offer": f"{best.vendor} {best.model} ({best.tier.name})",
        "total": money(order[0].total),
    }
    if len(order) > 1:
        other = by_key[order[1].key]
        label = f"{other.vendor} {other.model} ({other.tier.name})"
        if even is None:
            text += " " + _("%(offer)s does not become cheaper at any downtime cost.") % {
                "offer": label
            }
        else:
            text += " " + _("Break-even with %(offer)s at %(rate)s per hour.") % {
                "offer": label,
                "rate": money(even),
            }
    return text
