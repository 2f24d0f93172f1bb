"""Customer sites (each with its time zone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from servicepact.api.common import (
    ListOut,
    PageQuery,
    Ref,
    get_or_404,
    page,
    reference,
    require_staff,
)
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.customers import services as customer_services
from servicepact.customers.models import Site
from servicepact.customers.selectors import customers_for, sites_for

router = Router(tags=["sites"])


Name = Annotated[str, model_text(Site, "name")]
Timezone = Annotated[str, model_text(Site, "timezone")]
Address = Annotated[str, model_text(Site, "address")]


class SiteIn(ApiIn):
    customer: BodyId
    name: Name
    timezone: Timezone
    address: Address = ""


class SitePatch(ApiIn):
    """Fields left out stay as they are; ``null`` only where the field may be empty."""

    name: Name = None  # type: ignore[assignment]
    timezone: Timezone = None  # type: ignore[assignment]
    address: Address = None  # type: ignore[assignment]


class SiteOut(Schema):
    id: int
    customer: Ref
    name: str
    timezone: str
    address: str
    created_at: datetime
    updated_at: datetime


class SiteList(ListOut):
    items: list[SiteOut]
    count: int


@router.get(
    "/sites", response=reads(SiteList, 422), operation_id="sites_list", summary="List sites"
)
def list_sites(
    request: HttpRequest,
    paging: Query[PageQuery],
    customer: IdFilter = None,
) -> dict[str, Any]:
    qs = sites_for(request.user).order_by("customer__name", "name", "id")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    return page(qs, paging)


@router.post(
    "/sites",
    response=writes(SiteOut, status=201),
    operation_id="sites_create",
    summary="Create a site",
)
@idempotent
def create_site(request: HttpRequest, payload: SiteIn) -> Status[Any]:
    require_staff(request, "create sites")
    data = payload.dict()
    with transaction.atomic():
        data["customer"] = reference(customers_for(request.user), data["customer"], "customer")
        return Status(201, customer_services.create_site(**data))


@router.get(
    "/sites/{site_id}",
    response=reads(SiteOut, 404, 422),
    operation_id="sites_get",
    summary="Get a site",
)
def get_site(request: HttpRequest, site_id: Id) -> Any:
    return get_or_404(sites_for(request.user), site_id)


@router.patch(
    "/sites/{site_id}",
    response=writes(SiteOut, 404),
    operation_id="sites_update",
    summary="Update a site",
)
def update_site(request: HttpRequest, site_id: Id, payload: SitePatch) -> Any:
    site = get_or_404(sites_for(request.user), site_id)
    require_staff(request, "edit sites")
    with transaction.atomic():
        return customer_services.update_site(site=site, changes=payload.dict(exclude_unset=True))
