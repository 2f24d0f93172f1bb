"""Customer contacts; one with a user account logs into the portal and the API."""

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
    UserRef,
    get_or_404,
    page,
    reference,
    require_staff,
    user_ref,
)
from servicepact.customers import services as customer_services
from servicepact.customers.selectors import contacts_for, customers_for, sites_for

router = Router(tags=["contacts"])


class ContactIn(Schema):
    customer: int
    name: str
    email: str = ""
    phone: str = ""
    site: int | None = None
    timezone: str = ""
    user: int | None = None
    receives_statements: bool = True


class ContactPatch(Schema):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    site: int | None = None
    timezone: str | None = None
    user: int | None = None
    receives_statements: bool | None = None


class ContactOut(Schema):
    id: int
    customer: Ref
    site: Ref | None
    name: str
    email: str
    phone: str
    timezone: str
    local_timezone: str
    user: UserRef | None
    receives_statements: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_user(obj: Any) -> dict[str, Any] | None:
        return user_ref(obj.user)


class ContactList(ListOut):
    items: list[ContactOut]
    count: int


def _contacts(request: HttpRequest) -> Any:
    return contacts_for(request.user).select_related("user")


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "site" in data:
        data["site"] = reference(sites_for(request.user), data["site"], "site")
    if "user" in data:
        data["user"] = customer_services.user_by_id(data["user"])
    return data


@router.get("/contacts", response=ContactList)
def list_contacts(
    request: HttpRequest,
    paging: Query[PageQuery],
    customer: int | None = None,
    site: int | None = None,
) -> dict[str, Any]:
    qs = _contacts(request).order_by("customer__name", "name", "id")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if site is not None:
        qs = qs.filter(site_id=site)
    return page(qs, paging)


@router.post("/contacts", response={201: ContactOut})
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Any]:
    require_staff(request, "create contacts")
    data = payload.dict()
    with transaction.atomic():
        data["customer"] = reference(customers_for(request.user), data["customer"], "customer")
        return Status(201, customer_services.create_contact(**_resolve(request, data)))


@router.get("/contacts/{contact_id}", response=ContactOut)
def get_contact(request: HttpRequest, contact_id: int) -> Any:
    return get_or_404(_contacts(request), contact_id)


@router.patch("/contacts/{contact_id}", response=ContactOut)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    contact = get_or_404(_contacts(request), contact_id)
    require_staff(request, "edit contacts")
    with transaction.atomic():
        changes = _resolve(request, payload.dict(exclude_unset=True))
        return customer_services.update_contact(contact=contact, changes=changes)
