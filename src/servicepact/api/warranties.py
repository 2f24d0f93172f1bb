"""Warranty entitlements and vendor back-to-back contracts (docs/field-service.md).

GET   /warranties                       list, tenancy-scoped (a contact: its own assets')
POST  /warranties                       staff: an entitlement on an asset
GET   /warranties/{id}                  one entitlement (404 outside the caller's tenancy)
PATCH /warranties/{id}                  staff: tier, source, reference, component dates
POST  /warranties/{id}/extensions       staff: an extension (续保) from the day after it ends
GET   /vendor-contracts                 staff: vendor contracts with their targets and links
POST  /vendor-contracts                 staff: a vendor contract
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from servicepact.api.common import (
    ListOut,
    PageQuery,
    Ref,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
)
from servicepact.assets import services
from servicepact.assets.choices import VendorKind, WarrantySource
from servicepact.assets.models import VendorContract, VendorTarget, WarrantyEntitlement
from servicepact.assets.selectors import assets_for, vendor_contracts, warranties_for
from servicepact.contracts.models import Calendar, ServicePlan
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    BodyId,
    Id,
    idempotent,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError

router = Router(tags=["warranties"])
M = TypeVar("M", bound=Model)

Reference = Annotated[str, model_text(WarrantyEntitlement, "reference")]
VendorName = Annotated[str, model_text(VendorContract, "vendor", min_length=1)]
VendorReference = Annotated[str, model_text(VendorContract, "reference")]


class WarrantyAssetRef(Schema):
    id: int
    hostname: str
    customer: Ref


class TierRef(Schema):
    id: int
    code: str
    name: str


class WarrantyOut(Schema):
    id: int
    asset: WarrantyAssetRef
    tier: TierRef
    source: str
    reference: str
    extends: int | None
    parts_start: date
    parts_end: date
    labour_start: date
    labour_end: date
    onsite_start: date | None
    onsite_end: date | None
    starts_on: date
    ends_on: date
    created_at: datetime


class WarrantyList(ListOut):
    items: list[WarrantyOut]


class WarrantyFilters(PageQuery, ApiIn):
    asset: int | None = Field(None, ge=1, le=MAX_DB_INT)
    customer: int | None = Field(None, ge=1, le=MAX_DB_INT)
    expiring_before: date | None = None


class WarrantyIn(ApiIn):
    asset: BodyId
    tier: BodyId
    source: WarrantySource
    reference: Reference = ""
    parts_start: date
    parts_end: date
    labour_start: date
    labour_end: date
    onsite_start: date | None = None
    onsite_end: date | None = None


class WarrantyPatch(ApiIn):
    """Fields left out stay as they are."""

    tier: BodyId = None  # type: ignore[assignment]
    source: WarrantySource = None  # type: ignore[assignment]
    reference: Reference = None  # type: ignore[assignment]
    parts_start: date = None  # type: ignore[assignment]
    parts_end: date = None  # type: ignore[assignment]
    labour_start: date = None  # type: ignore[assignment]
    labour_end: date = None  # type: ignore[assignment]
    onsite_start: date | None = None
    onsite_end: date | None = None


class ExtensionIn(ApiIn):
    ends_on: date
    tier: BodyId | None = None  # default: the same tier
    source: WarrantySource | None = None  # default: the same source
    on_site: bool = True
    reference: Reference = ""


def render_warranty(w: WarrantyEntitlement) -> dict[str, Any]:
    customer = w.asset.customer
    return {
        "id": w.pk,
        "asset": {
            "id": w.asset_id,
            "hostname": w.asset.hostname,
            "customer": {"id": customer.pk, "name": customer.name},
        },
        "tier": {"id": w.plan_id, "code": w.plan.code, "name": w.plan.name},
        "source": w.source,
        "reference": w.reference,
        "extends": w.extends_id,
        "parts_start": w.parts_start,
        "parts_end": w.parts_end,
        "labour_start": w.labour_start,
        "labour_end": w.labour_end,
        "onsite_start": w.onsite_start,
        "onsite_end": w.onsite_end,
        "starts_on": w.starts_on,
        "ends_on": w.ends_on,
        "created_at": w.created_at,
    }


def _tier(pk: int | None) -> ServicePlan | None:
    return reference(ServicePlan.objects.all(), pk, "tier")


@router.get(
    "/warranties",
    response=reads(WarrantyList, 422),
    operation_id="warranties_list",
    summary="List warranty entitlements (tenancy-scoped)",
)
def list_warranties(request: HttpRequest, filters: Query[WarrantyFilters]) -> dict[str, Any]:
    """Ending soonest first. ``expiring_before``: entitlements ending on or before that
    date (ended ones included; combine with the dates to narrow)."""
    qs = warranties_for(request.user)
    if filters.asset is not None:
        qs = qs.filter(asset_id=filters.asset)
    if filters.customer is not None:
        qs = qs.filter(asset__customer_id=filters.customer)
    if filters.expiring_before is not None:
        qs = qs.filter(ends_on__lte=filters.expiring_before)
    return rendered_page(qs.order_by("ends_on", "id"), filters, render_warranty)


@router.post(
    "/warranties",
    response=writes(WarrantyOut, status=201),
    operation_id="warranties_create",
    summary="Create a warranty entitlement (staff)",
)
@idempotent
def create_warranty(request: HttpRequest, payload: WarrantyIn) -> Status[Any]:
    """A component's end before its start is a 422 naming the end field."""
    require_staff(request, "create warranties")
    with transaction.atomic():
        asset = reference(assets_for(request.user), payload.asset, "asset")
        tier = _tier(payload.tier)
        assert asset is not None and tier is not None
        data = payload.dict(exclude={"asset", "tier"})
        warranty = services.create_warranty(asset=asset, plan=tier, **data)
    return Status(201, render_warranty(warranties_for(request.user).get(pk=warranty.pk)))


@router.get(
    "/warranties/{warranty_id}",
    response=reads(WarrantyOut, 404, 422),
    operation_id="warranties_get",
    summary="Get a warranty entitlement",
)
def get_warranty(request: HttpRequest, warranty_id: Id) -> dict[str, Any]:
    return render_warranty(get_or_404(warranties_for(request.user), warranty_id))


@router.patch(
    "/warranties/{warranty_id}",
    response=writes(WarrantyOut, 404),
    operation_id="warranties_update",
    summary="Update a warranty entitlement (staff)",
)
def update_warranty(request: HttpRequest, warranty_id: Id, payload: WarrantyPatch) -> Any:
    warranty = get_or_404(warranties_for(request.user), warranty_id)
    require_staff(request, "edit warranties")
    changes = payload.dict(exclude_unset=True)
    with transaction.atomic():
        if "tier" in changes:
            changes["plan"] = _tier(changes.pop("tier"))
        services.update_warranty(warranty=warranty, changes=changes)
    return render_warranty(warranties_for(request.user).get(pk=warranty.pk))


@router.post(
    "/warranties/{warranty_id}/extensions",
    response=writes(WarrantyOut, 404, status=201),
    operation_id="warranties_extend",
    summary="Extend a warranty (续保, staff)",
)
@idempotent
def extend_warranty(request: HttpRequest, warranty_id: Id, payload: ExtensionIn) -> Status[Any]:
    """A further dated entitlement from the day after the warranty ends to ``ends_on``."""
    warranty = get_or_404(warranties_for(request.user), warranty_id)
    require_staff(request, "extend warranties")
    with transaction.atomic():
        extension = services.extend_warranty(
            warranty=warranty,
            ends_on=payload.ends_on,
            plan=_tier(payload.tier),
            source=payload.source,
            on_site=payload.on_site,
            reference=payload.reference,
        )
    return Status(201, render_warranty(warranties_for(request.user).get(pk=extension.pk)))


# ---------------------------------------------------------------- vendor contracts


class VendorTargetIO(Schema):
    metric: str = Field(..., max_length=20)
    target_minutes: Annotated[int, model_int(VendorTarget, "target_minutes")]


class VendorContractOut(Schema):
    id: int
    vendor: str
    kind: str
    reference: str
    calendar: Ref
    start_date: date
    end_date: date
    targets: list[VendorTargetIO]
    assets: list[int]
    contracts: list[int]


class VendorContractList(ListOut):
    items: list[VendorContractOut]


class VendorContractIn(ApiIn):
    vendor: VendorName
    kind: VendorKind
    reference: VendorReference = ""
    calendar: BodyId
    start_date: date
    end_date: date
    targets: list[VendorTargetIO] = Field(..., min_length=1, max_length=50)
    assets: list[BodyId] = Field(default_factory=list, max_length=1000)
    contracts: list[BodyId] = Field(default_factory=list, max_length=1000)


def render_vendor_contract(v: VendorContract) -> dict[str, Any]:
    return {
        "id": v.pk,
        "vendor": v.vendor,
        "kind": v.kind,
        "reference": v.reference,
        "calendar": {"id": v.calendar_id, "name": v.calendar.name},
        "start_date": v.start_date,
        "end_date": v.end_date,
        "targets": [
            {"metric": t.metric, "target_minutes": t.target_minutes} for t in v.targets.all()
        ],
        "assets": sorted(a.pk for a in v.assets.all()),
        "contracts": sorted(c.pk for c in v.contracts.all()),
    }


def _all(queryset: QuerySet[M], ids: list[int], field: str) -> list[M]:
    """Every object named by ``ids``; an unknown one is a 422 on ``field``."""
    found = list(queryset.filter(pk__in=ids))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        raise DomainValidationError(
            {field: [_("unknown id: %(ids)s") % {"ids": ", ".join(map(str, missing))}]}
        )
    return found


@router.get(
    "/vendor-contracts",
    response=reads(VendorContractList, 403, 422),
    operation_id="vendor_contracts_list",
    summary="List vendor back-to-back contracts (staff)",
)
def list_vendor_contracts(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    require_staff(request, "read vendor contracts")
    return rendered_page(vendor_contracts(), paging, render_vendor_contract)


@router.post(
    "/vendor-contracts",
    response=writes(VendorContractOut, status=201),
    operation_id="vendor_contracts_create",
    summary="Create a vendor back-to-back contract (staff)",
)
@idempotent
def create_vendor_contract(request: HttpRequest, payload: VendorContractIn) -> Status[Any]:
    """Targets name a metric code (``/metrics``) and business minutes on the calendar."""
    require_staff(request, "create vendor contracts")
    with transaction.atomic():
        calendar = reference(Calendar.objects.all(), payload.calendar, "calendar")
        assert calendar is not None
        assets = _all(assets_for(request.user), payload.assets, "assets")
        contracts = _all(contracts_for(request.user), payload.contracts, "contracts")
        vendor = services.create_vendor_contract(
            vendor=payload.vendor,
            kind=payload.kind,
            calendar=calendar,
            start_date=payload.start_date,
            end_date=payload.end_date,
            targets={t.metric: t.target_minutes for t in payload.targets},
            assets=assets,
            contracts=contracts,
            reference=payload.reference,
        )
    return Status(201, render_vendor_contract(vendor_contracts().get(pk=vendor.pk)))
