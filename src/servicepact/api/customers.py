"""Customers: staff create and edit; a contact reads its own customer only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from servicepact.api.common import ListOut, PageQuery, get_or_404, page, require_staff
from servicepact.customers import services as customer_services
from servicepact.customers.selectors import customers_for

router = Router(tags=["customers"])


class CustomerIn(Schema):
    name: str
    code: str
    timezone: str = "UTC"
    notes: str = ""
    is_active: bool = True


class CustomerPatch(Schema):
    name: str | None = None
    code: str | None = None
    timezone: str | None = None
    notes: str | None = None
    is_active: bool | None = None


class CustomerOut(Schema):
    id: int
    name: str
    code: str
    timezone: str
    is_active: bool
    notes: str | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_notes(obj: Any, context: dict[str, Any]) -> str | None:
        # Notes are the provider's own; a customer's contacts do not read them.
        return obj.notes if context["request"].user.is_staff else None


class CustomerList(ListOut):
    items: list[CustomerOut]
    count: int


@router.get("/customers", response=CustomerList)
def list_customers(
    request: HttpRequest,
    paging: Query[PageQuery],
    q: str | None = None,
    is_active: bool | None = None,
) -> dict[str, Any]:
    """Customers the caller may see (a contact: its own), filtered by name/code and activity."""
    qs = customers_for(request.user).order_by("name", "id")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return page(qs, paging)


@router.post("/customers", response={201: CustomerOut})
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[Any]:
    require_staff(request, "create customers")
    with transaction.atomic():
        return Status(201, customer_services.create_customer(**payload.dict()))


@router.get("/customers/{customer_id}", response=CustomerOut)
def get_customer(request: HttpRequest, customer_id: int) -> Any:
    return get_or_404(customers_for(request.user), customer_id)


@router.patch("/customers/{customer_id}", response=CustomerOut)
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    customer = get_or_404(customers_for(request.user), customer_id)
    require_staff(request, "edit customers")
    with transaction.atomic():
        return customer_services.update_customer(
            customer=customer, changes=payload.dict(exclude_unset=True)
        )
