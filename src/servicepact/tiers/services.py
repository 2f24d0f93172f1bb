"""Writes of the tier comparison: vendor offers and the customer's downtime cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.errors import DomainValidationError
from servicepact.core.money import parse_amount, validate_currency
from servicepact.customers.models import Customer
from servicepact.tiers.choices import MAX_YEARS, DeliveredBy
from servicepact.tiers.models import DowntimeCost, VendorOffer

OFFER_FIELDS = (
    "vendor",
    "model",
    "quantity",
    "hardware_price",
    "currency",
    "warranty_years",
    "warranty_plan",
    "covers_parts",
    "covers_labour",
    "covers_onsite",
    "upgrade_plan",
    "upgrade_price",
    "extension_prices",
    "delivered_by",
    "service_points",
    "repair_cost",
)


def _clean_offer(values: dict[str, Any]) -> dict[str, Any]:
    """Checked and normalised offer fields (422 naming the field otherwise)."""
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for name in ("vendor", "model"):
        text = str(out.get(name) or "").strip()
        if not text:
            errors[name] = [_("this field is required")]
        out[name] = text[:100]
    try:
        currency = validate_currency(out.get("currency"))
    except DomainValidationError as e:
        raise DomainValidationError({**errors, **e.errors}) from None
    out["currency"] = currency
    for name in ("hardware_price", "upgrade_price", "repair_cost"):
        try:
            out[name] = parse_amount(out.get(name, "0"), currency, field=name)
        except DomainValidationError as e:
            errors.update(e.errors)
    years = out.get("warranty_years")
    if not isinstance(years, int) or not 0 <= years <= MAX_YEARS:
        errors["warranty_years"] = [
            _("a whole number of years from 0 to %(max)d") % {"max": MAX_YEARS}
        ]
    if not isinstance(out.get("quantity", 1), int) or out.get("quantity", 1) < 1:
        errors["quantity"] = [_("at least 1")]
    prices = out.get("extension_prices") or []
    if not isinstance(prices, list) or len(prices) > MAX_YEARS:
        errors["extension_prices"] = [_("at most %(max)d yearly prices") % {"max": MAX_YEARS}]
    else:
        try:
            out["extension_prices"] = [
                str(parse_amount(p, currency, field="extension_prices")) for p in prices
            ]
        except DomainValidationError as e:
            errors.update(e.errors)
    if out.get("delivered_by") not in DeliveredBy.values:
        errors["delivered_by"] = [_("manufacturer or reseller")]
    if out.get("upgrade_plan") is None and out.get("upgrade_price", Decimal(0)) not in (
        None,
        Decimal(0),
    ):
        errors["upgrade_plan"] = [_("an upgrade price needs the tier it upgrades to")]
    if not isinstance(out.get("warranty_plan"), ServicePlan):
        errors["warranty_plan"] = [_("unknown service plan")]
    if errors:
        raise DomainValidationError(errors)
    return out


@transaction.atomic
def create_offer(*, customer: Customer, **values: Any) -> VendorOffer:
    """A vendor's offer as the buyer received it (``OFFER_FIELDS``)."""
    clean = _clean_offer({k: values.get(k) for k in OFFER_FIELDS if k in values})
    return VendorOffer.objects.create(customer=customer, **clean)


@transaction.atomic
def update_offer(*, offer: VendorOffer, **values: Any) -> VendorOffer:
    """Changes some fields of an offer (the others are kept), checked like a new one."""
    current = {k: getattr(offer, k) for k in OFFER_FIELDS}
    current.update({k: v for k, v in values.items() if k in OFFER_FIELDS})
    clean = _clean_offer(current)
    for name, value in clean.items():
        setattr(offer, name, value)
    offer.save()
    return offer


@transaction.atomic
def delete_offer(*, offer: VendorOffer) -> None:
    offer.delete()


@transaction.atomic
def set_downtime_cost(
    *,
    customer: Customer,
    cost_per_hour: Any,
    currency: str,
    contract: Contract | None = None,
    service: str = "",
) -> DowntimeCost:
    """The customer's cost of an hour of downtime of a contract's service (None: of every
    contract without its own), replacing the one entered before."""
    code = validate_currency(currency)
    amount = parse_amount(cost_per_hour, code, field="cost_per_hour")
    if contract is not None and contract.customer_id != customer.pk:
        raise DomainValidationError({"contract": [_("not a contract of this customer")]})
    row, _created = DowntimeCost.objects.update_or_create(
        customer=customer,
        contract=contract,
        defaults={"cost_per_hour": amount, "currency": code, "service": service[:100]},
    )
    return row
