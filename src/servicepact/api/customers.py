"""Customers: staff create and edit; a contact reads its own customer only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from servicepact.api.common import ListOut, PageQuery, get_or_404, page, require_staff
from servicepact.core.api_schema import (
    ApiIn,
    Id,
    Text,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.customers import services as customer_services
from servicepact.customers.models import Customer
from servicepact.customers.selectors import customers_for

router = Router(tags=["customers"])


Name = Annotated[str, model_text(Customer, "name")]
Code = Annotated[str, model_text(Customer, "code")]
Timezone = Annotated[str, model_text(Customer, "timezone")]
Notes = Annotated[str, model_text(Customer, "notes")]


class CustomerIn(ApiIn):
    name: Name
    code: Code
    timezone: Timezone = "UTC"
    notes: Notes = ""
    is_active: bool = True


class CustomerPatch(ApiIn):
    """Fields left out stay as they are; ``null`` only where the field may be empty."""

    name: Name = None  # type: ignore[assignment]
    code: Code = None  # type: ignore[assignment]
    timezone: Timezone = None  # type: ignore[assignment]
    notes: Notes = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


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


@router.get(
    "/customers",
    response=reads(CustomerList, 422),
    operation_id="customers_list",
    summary="List customers",
)
def list_customers(
    request: HttpRequest,
    paging: Query[PageQuery],
    q: Text | None = None,
    is_active: bool | None = None,
) -> dict[str, Any]:
    """Customers the caller may see (a contact: its own), filtered by name/code and activity."""
    qs = customers_for(request.user).order_by("name", "id")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return page(qs, paging)


@router.post(
    "/customers",
    response=writes(CustomerOut, status=201),
    operation_id="customers_create",
    summary="Create a customer",
)
@idempotent
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[Any]:
    require_staff(request, "create customers")
    with transaction.atomic():
        return Status(201, customer_services.create_customer(**payload.dict()))


@router.get(
    "/customers/{customer_id}",
    response=reads(CustomerOut, 404, 422),
    operation_id="customers_get",
    summary="Get a customer",
)
def get_customer(request: HttpRequest, customer_id: Id) -> Any:
    return get_or_404(customers_for(request.user), customer_id)


@router.patch(
    "/customers/{customer_id}",
    response=writes(CustomerOut, 404),
    operation_id="customers_update",
    summary="Update a customer",
)
def update_customer(request: HttpRequest, customer_id: Id, payload: CustomerPatch) -> Any:
    customer = get_or_404(customers_for(request.user), customer_id)
    require_staff(request, "edit customers")
    with transaction.atomic():
        return customer_services.update_customer(
            customer=customer, changes=payload.dict(exclude_unset=True)
        )
