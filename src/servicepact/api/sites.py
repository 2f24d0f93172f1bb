"""Customer sites (each with its time zone)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from servicepact.customers import services as customer_services
from servicepact.customers.selectors import customers_for, sites_for

router = Router(tags=["sites"])


class SiteIn(Schema):
    customer: int
    name: str
    timezone: str
    address: str = ""


class SitePatch(Schema):
    name: str | None = None
    timezone: str | None = None
    address: str | None = None


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


@router.get("/sites", response=SiteList)
def list_sites(
    request: HttpRequest,
    paging: Query[PageQuery],
    customer: int | None = None,
) -> dict[str, Any]:
    qs = sites_for(request.user).order_by("customer__name", "name", "id")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    return page(qs, paging)


@router.post("/sites", response={201: SiteOut})
def create_site(request: HttpRequest, payload: SiteIn) -> Status[Any]:
    require_staff(request, "create sites")
    data = payload.dict()
    with transaction.atomic():
        data["customer"] = reference(customers_for(request.user), data["customer"], "customer")
        return Status(201, customer_services.create_site(**data))


@router.get("/sites/{site_id}", response=SiteOut)
def get_site(request: HttpRequest, site_id: int) -> Any:
    return get_or_404(sites_for(request.user), site_id)


@router.patch("/sites/{site_id}", response=SiteOut)
def update_site(request: HttpRequest, site_id: int, payload: SitePatch) -> Any:
    site = get_or_404(sites_for(request.user), site_id)
    require_staff(request, "edit sites")
    with transaction.atomic():
        return customer_services.update_site(site=site, changes=payload.dict(exclude_unset=True))
