"""Tier replay, vendor offers and TCO (docs/tier-replay.md).

POST   /replays       a contract's (or all a customer's contracts') month(s) as they were
                      beside the same replayed under another plan, optionally of some assets'
                      tickets only (staff; a contact for its own customer; writes nothing)
GET    /offers        vendor offers (a contact: its own customer's)
POST   /offers        staff: record an offer
GET    /offers/{id}   one offer (404 outside the caller's tenancy)
PATCH  /offers/{id}   staff: change an offer
DELETE /offers/{id}   staff: delete an offer
POST   /tco           total cost of ownership of some offers over N years at a downtime cost
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
)
from servicepact.contracts.models import ServicePlan
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    Id,
    idempotent,
    model_decimal,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import customers_for
from servicepact.tiers.choices import MAX_YEARS
from servicepact.tiers.comparison import MAX_ASSETS, parse_months, replay
from servicepact.tiers.models import VendorOffer
from servicepact.tiers.report import tco_report
from servicepact.tiers.selectors import offers_for, replay_plans_for
from servicepact.tiers.services import create_offer, delete_offer, update_offer

router = Router(tags=["tiers"])


class ReplayIn(ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT, description="one contract, or:")
    customer: int | None = Field(
        None, ge=1, le=MAX_DB_INT, description="all the customer's contracts in force then"
    )
    assets: list[Annotated[int, Field(ge=1, le=MAX_DB_INT)]] | None = Field(
        None,
        max_length=MAX_ASSETS,
        description="only the tickets on these assets (the customer's, or on the contract)",
    )
    period: str = Field(..., max_length=7, description="YYYY-MM: the first (or only) month")
    period_to: str | None = Field(None, max_length=7, description="YYYY-MM: the last month")
    plan: int = Field(..., ge=1, le=MAX_DB_INT)
    monthly_fee: Annotated[Decimal, model_decimal(VendorOffer, "upgrade_price")] | None = None


class ReplayOut(Schema):
    contract: dict[str, Any]
    customer_id: int
    plan: dict[str, Any]
    periods: list[str]
    currency: str
    downtime_cost_per_hour: str | None
    actual: dict[str, Any]
    replayed: dict[str, Any]
    difference: dict[str, Any]


class AssetReplayOut(ReplayOut):
    """A contract's replay of some assets' tickets only."""

    assets: list[int]


class CustomerReplayOut(Schema):
    """A customer's contracts, each replayed, and the totals."""

    customer: dict[str, Any]
    customer_id: int
    plan: dict[str, Any]
    periods: list[str]
    assets: list[int] | None
    contracts: list[dict[str, Any]]
    totals: dict[str, Any]


# The first that fits, in this order (a contract's answer with ``assets`` is an AssetReplayOut).
AnyReplayOut = Annotated[
    CustomerReplayOut | AssetReplayOut | ReplayOut, Field(union_mode="left_to_right")
]


@router.post(
    "/replays",
    response=writes(AnyReplayOut, 404),
    operation_id="replays_create",
    summary="Replay a contract's or a customer's month(s) under another plan, beside the actual "
    "figures",
)
def create_replay(request: HttpRequest, payload: ReplayIn) -> dict[str, Any]:
    # Tenancy first (404), then exactly one of them, the months, the plan, the assets (422).
    contract = customer = None
    if payload.contract is not None:
        contract = get_or_404(contracts_for(request.user), payload.contract)
    if payload.customer is not None:
        customer = get_or_404(customers_for(request.user), payload.customer)
    first, last = parse_months(payload.period, payload.period_to)
    plan = reference(replay_plans_for(request.user), payload.plan, "plan")
    assert plan is not None
    return replay(
        contract=contract,
        customer=customer,
        plan=plan,
        first=first,
        last=last,
        fee=payload.monthly_fee,
        asset_ids=payload.assets,
    )


class OfferIn(ApiIn):
    customer: int = Field(..., ge=1, le=MAX_DB_INT)
    vendor: Annotated[str, model_text(VendorOffer, "vendor", min_length=1)]
    model: Annotated[str, model_text(VendorOffer, "model", min_length=1)]
    quantity: Annotated[int, model_int(VendorOffer, "quantity")] = 1
    hardware_price: Annotated[Decimal, model_decimal(VendorOffer, "hardware_price")]
    currency: str = Field(..., min_length=3, max_length=3)
    warranty_years: int = Field(..., ge=0, le=MAX_YEARS)
    warranty_plan: int = Field(..., ge=1, le=MAX_DB_INT)
    covers_parts: bool = True
    covers_labour: bool = True
    covers_onsite: bool = True
    upgrade_plan: int | None = Field(None, ge=1, le=MAX_DB_INT)
    upgrade_price: Annotated[Decimal, model_decimal(VendorOffer, "upgrade_price")] = Decimal(0)
    extension_prices: list[Annotated[Decimal, model_decimal(VendorOffer, "upgrade_price")]] = Field(
        default_factory=list, max_length=MAX_YEARS
    )
    delivered_by: str = Field(..., max_length=16)
    service_points: int = Field(0, ge=0, le=100_000)
    repair_cost: Annotated[Decimal, model_decimal(VendorOffer, "repair_cost")] = Decimal(0)


class OfferPatch(ApiIn):
    vendor: Annotated[str, model_text(VendorOffer, "vendor", min_length=1)] | None = None
    model: Annotated[str, model_text(VendorOffer, "model", min_length=1)] | None = None
    quantity: Annotated[int, model_int(VendorOffer, "quantity")] | None = None
    hardware_price: Annotated[Decimal, model_decimal(VendorOffer, "hardware_price")] | None = None
    warranty_years: int | None = Field(None, ge=0, le=MAX_YEARS)
    upgrade_price: Annotated[Decimal, model_decimal(VendorOffer, "upgrade_price")] | None = None
    extension_prices: (
        list[Annotated[Decimal, model_decimal(VendorOffer, "upgrade_price")]] | None
    ) = Field(None, max_length=MAX_YEARS)
    delivered_by: str | None = Field(None, max_length=16)
    service_points: int | None = Field(None, ge=0, le=100_000)
    repair_cost: Annotated[Decimal, model_decimal(VendorOffer, "repair_cost")] | None = None


class OfferPlanRef(Schema):
    id: int
    name: str


class OfferOut(Schema):
    id: int
    customer_id: int
    vendor: str
    model: str
    quantity: int
    hardware_price: str
    currency: str
    warranty_years: int
    warranty_plan: OfferPlanRef
    covers_parts: bool
    covers_labour: bool
    covers_onsite: bool
    upgrade_plan: OfferPlanRef | None
    upgrade_price: str
    extension_prices: list[str]
    delivered_by: str
    service_points: int
    repair_cost: str
    created_at: dt.datetime


class OfferList(ListOut):
    items: list[OfferOut]


class OfferFilters(PageQuery, ApiIn):
    customer: int | None = Field(None, ge=1, le=MAX_DB_INT)


class OfferDeletedOut(Schema):
    id: int
    deleted: bool


def _plan_ref(plan: ServicePlan | None) -> dict[str, Any] | None:
    return None if plan is None else {"id": plan.pk, "name": plan.name}


def render_offer(offer: VendorOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "customer_id": offer.customer_id,
        "vendor": offer.vendor,
        "model": offer.model,
        "quantity": offer.quantity,
        "hardware_price": str(offer.hardware_price),
        "currency": offer.currency,
        "warranty_years": offer.warranty_years,
        "warranty_plan": _plan_ref(offer.warranty_plan),
        "covers_parts": offer.covers_parts,
        "covers_labour": offer.covers_labour,
        "covers_onsite": offer.covers_onsite,
        "upgrade_plan": _plan_ref(offer.upgrade_plan),
        "upgrade_price": str(offer.upgrade_price),
        "extension_prices": [str(p) for p in offer.extension_prices],
        "delivered_by": offer.delivered_by,
        "service_points": offer.service_points,
        "repair_cost": str(offer.repair_cost),
        "created_at": offer.created_at,
    }


@router.get(
    "/offers",
    response=reads(OfferList, 422),
    operation_id="offers_list",
    summary="List vendor offers (tenancy-scoped)",
)
def list_offers(request: HttpRequest, filters: Query[OfferFilters]) -> dict[str, Any]:
    qs = offers_for(request.user).order_by("-id")
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    return rendered_page(qs, filters, render_offer)


@router.post(
    "/offers",
    response=writes(OfferOut, 404, status=201),
    operation_id="offers_create",
    summary="Record a vendor offer (staff)",
)
@idempotent
def create_offer_view(request: HttpRequest, payload: OfferIn) -> Status[Any]:
    require_staff(request, "record vendor offers")
    customer = reference(customers_for(request.user), payload.customer, "customer")
    assert customer is not None
    plans = ServicePlan.objects.all()
    values = payload.model_dump(exclude={"customer"})
    values["warranty_plan"] = reference(plans, payload.warranty_plan, "warranty_plan")
    values["upgrade_plan"] = reference(plans, payload.upgrade_plan, "upgrade_plan")
    offer = create_offer(customer=customer, **values)
    return Status(201, render_offer(offers_for(request.user).get(pk=offer.pk)))


@router.get(
    "/offers/{offer_id}",
    response=reads(OfferOut, 404, 422),
    operation_id="offers_get",
    summary="One vendor offer",
)
def get_offer(request: HttpRequest, offer_id: Id) -> dict[str, Any]:
    return render_offer(get_or_404(offers_for(request.user), offer_id))


@router.patch(
    "/offers/{offer_id}",
    response=writes(OfferOut, 404),
    operation_id="offers_update",
    summary="Change a vendor offer (staff)",
)
def patch_offer(request: HttpRequest, offer_id: Id, payload: OfferPatch) -> dict[str, Any]:
    offer = get_or_404(offers_for(request.user), offer_id)
    require_staff(request, "change vendor offers")
    update_offer(offer=offer, **payload.model_dump(exclude_unset=True))
    return render_offer(offers_for(request.user).get(pk=offer.pk))


@router.api_operation(
    ["DELETE"],
    "/offers/{offer_id}",
    response=writes(OfferDeletedOut, 404),
    operation_id="offers_delete",
    summary="Delete a vendor offer (staff)",
)
def remove_offer(request: HttpRequest, offer_id: Id) -> dict[str, Any]:
    offer = get_or_404(offers_for(request.user), offer_id)
    require_staff(request, "delete vendor offers")
    delete_offer(offer=offer)
    return {"id": offer_id, "deleted": True}


class TcoIn(ApiIn):
    offers: list[int] = Field(..., min_length=1, max_length=20)
    years: int = Field(5, ge=1, le=MAX_YEARS)
    downtime_cost_per_hour: (
        Annotated[Decimal, model_decimal(VendorOffer, "hardware_price")] | None
    ) = None


class TcoOut(Schema):
    customer_id: int
    currency: str
    years: int
    downtime_cost_per_hour: str
    evidence: dict[str, Any]
    offers: list[dict[str, Any]]
    ranking: list[int]
    recommendation: dict[str, Any]
    sensitivity: list[dict[str, Any]]


@router.post(
    "/tco",
    response=writes(TcoOut, 404),
    operation_id="tco_compute",
    summary="Total cost of ownership of vendor offers, with the recommendation",
)
def compute_tco(request: HttpRequest, payload: TcoIn) -> dict[str, Any]:
    visible = offers_for(request.user)
    offers = [reference(visible, pk, "offers") for pk in payload.offers]
    return tco_report(
        offers=[o for o in offers if o is not None],
        years=payload.years,
        rate=payload.downtime_cost_per_hour,
        now=current_time(),
    )
