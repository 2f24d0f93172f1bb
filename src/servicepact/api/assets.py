"""Assets (servers and other covered things), their contract lines and their coverage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.api.common import (
    ListOut,
    PageQuery,
    Ref,
    get_or_404,
    page,
    reference,
    require_staff,
)
from servicepact.api.lines import ContractRef
from servicepact.assets import services as asset_services
from servicepact.assets.coverage import resolve_coverage
from servicepact.assets.models import Asset, ContractLine
from servicepact.assets.selectors import assets_for
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.time import now
from servicepact.customers.selectors import customers_for, sites_for

router = Router(tags=["assets"])


Hostname = Annotated[str, model_text(Asset, "hostname")]
Kind = Annotated[str, model_text(Asset, "kind")]
SerialNumber = Annotated[str, model_text(Asset, "serial_number")]
ModelName = Annotated[str, model_text(Asset, "model")]
Vendor = Annotated[str, model_text(Asset, "vendor")]
IpAddress = Annotated[str, model_text(Asset, "ip_address")]


class AssetIn(ApiIn):
    customer: BodyId
    hostname: Hostname
    site: BodyId | None = None
    kind: Kind = "server"
    serial_number: SerialNumber = ""
    model: ModelName = ""
    vendor: Vendor = ""
    ip_address: IpAddress | None = None
    warranty_end: date | None = None
    labels: dict[str, Any] = {}


class AssetPatch(ApiIn):
    """Fields left out stay as they are; ``null`` only where the field may be empty."""

    hostname: Hostname = None  # type: ignore[assignment]
    site: BodyId | None = None
    kind: Kind = None  # type: ignore[assignment]
    serial_number: SerialNumber = None  # type: ignore[assignment]
    model: ModelName = None  # type: ignore[assignment]
    vendor: Vendor = None  # type: ignore[assignment]
    ip_address: IpAddress | None = None
    warranty_end: date | None = None
    labels: dict[str, Any] = None  # type: ignore[assignment]


class AssetLineOut(Schema):
    id: int
    contract: ContractRef
    start_date: date
    end_date: date | None


class AssetOut(Schema):
    id: int
    customer: Ref
    site: Ref | None
    kind: str
    hostname: str
    serial_number: str
    model: str
    vendor: str
    ip_address: str | None
    warranty_end: date | None
    labels: dict[str, Any]
    contract_lines: list[AssetLineOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_contract_lines(obj: Any) -> list[Any]:
        return list(obj.contract_lines.all())


class AssetList(ListOut):
    items: list[AssetOut]
    count: int


class AssetCoverageOut(Schema):
    at: datetime
    status: str
    explanation: str
    explanation_code: str
    contract_id: int | None
    contract_number: str | None
    version: int | None
    expires_on: date | None
    priority: int
    priority_name: str
    warranty_id: int | None = None  # status "warranty": the entitlement that covers it


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "site" in data:
        data["site"] = reference(sites_for(request.user), data["site"], "site")
    return data


@router.get(
    "/assets", response=reads(AssetList, 422), operation_id="assets_list", summary="List assets"
)
def list_assets(
    request: HttpRequest,
    paging: Query[PageQuery],
    customer: IdFilter = None,
    site: IdFilter = None,
    contract: IdFilter = None,
    q: Text | None = None,
) -> dict[str, Any]:
    """Filters: customer, site, contract (has a line on it), q (hostname or serial number)."""
    qs = assets_for(request.user).order_by("customer__name", "hostname", "id")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if site is not None:
        qs = qs.filter(site_id=site)
    if contract is not None:
        qs = qs.filter(pk__in=ContractLine.objects.filter(contract=contract).values("asset_id"))
    if q:
        qs = qs.filter(Q(hostname__icontains=q) | Q(serial_number__icontains=q))
    return page(qs, paging)


@router.post(
    "/assets",
    response=writes(AssetOut, status=201),
    operation_id="assets_create",
    summary="Create an asset",
)
@idempotent
def create_asset(request: HttpRequest, payload: AssetIn) -> Status[Any]:
    require_staff(request, "create assets")
    data = payload.dict()
    with transaction.atomic():
        data["customer"] = reference(customers_for(request.user), data["customer"], "customer")
        asset = asset_services.create_asset(**_resolve(request, data))
    return Status(201, assets_for(request.user).get(pk=asset.pk))


@router.get(
    "/assets/{asset_id}",
    response=reads(AssetOut, 404, 422),
    operation_id="assets_get",
    summary="Get an asset",
)
def get_asset(request: HttpRequest, asset_id: Id) -> Any:
    return get_or_404(assets_for(request.user), asset_id)


@router.patch(
    "/assets/{asset_id}",
    response=writes(AssetOut, 404),
    operation_id="assets_update",
    summary="Update an asset",
)
def update_asset(request: HttpRequest, asset_id: Id, payload: AssetPatch) -> Any:
    asset = get_or_404(assets_for(request.user), asset_id)
    require_staff(request, "edit assets")
    with transaction.atomic():
        changes = _resolve(request, payload.dict(exclude_unset=True))
        asset_services.update_asset(asset=asset, changes=changes)
    return assets_for(request.user).get(pk=asset.pk)


@router.get(
    "/assets/{asset_id}/coverage",
    response=reads(AssetCoverageOut, 404, 422),
    operation_id="assets_coverage",
    summary="Which contract covers an asset at an instant",
)
def asset_coverage(
    request: HttpRequest,
    asset_id: Id,
    at: AwareDatetime | None = None,
    impact: Annotated[int, Query(ge=1, le=4)] = 3,
    urgency: Annotated[int, Query(ge=1, le=4)] = 3,
) -> dict[str, Any]:
    """Which contract would cover a ticket on this asset at ``at`` (default now), and why."""
    asset = get_or_404(assets_for(request.user), asset_id)
    moment = at or now()
    coverage = resolve_coverage(
        customer=asset.customer, asset=asset, at=moment, impact=impact, urgency=urgency
    )
    priority = coverage.terms.priority_for(impact, urgency)
    return {
        "at": moment,
        "status": coverage.status,
        "explanation": coverage.explanation,
        "explanation_code": coverage.facts["code"],
        "contract_id": coverage.contract.pk if coverage.contract else None,
        "contract_number": coverage.contract.number if coverage.contract else None,
        "version": coverage.version.number if coverage.version else None,
        "expires_on": coverage.expires_on,
        "priority": priority,
        "priority_name": coverage.terms.priority_name(priority),
        "warranty_id": coverage.warranty.pk if coverage.warranty else None,
    }
