"""Customer contacts; one with a user account logs into the portal and the API."""

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
    UserRef,
    get_or_404,
    page,
    reference,
    require_staff,
    user_ref,
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
from servicepact.customers.models import Contact
from servicepact.customers.selectors import contacts_for, customers_for, sites_for

router = Router(tags=["contacts"])


Name = Annotated[str, model_text(Contact, "name")]
Email = Annotated[str, model_text(Contact, "email")]
Phone = Annotated[str, model_text(Contact, "phone")]
Timezone = Annotated[str, model_text(Contact, "timezone")]
Language = Annotated[str, model_text(Contact, "preferred_language")]


class ContactIn(ApiIn):
    customer: BodyId
    name: Name
    email: Email = ""
    phone: Phone = ""
    site: BodyId | None = None
    timezone: Timezone = ""
    user: BodyId | None = None
    receives_statements: bool = True
    preferred_language: Language = ""


class ContactPatch(ApiIn):
    """Fields left out stay as they are; ``null`` only where the field may be empty."""

    name: Name = None  # type: ignore[assignment]
    email: Email = None  # type: ignore[assignment]
    phone: Phone = None  # type: ignore[assignment]
    site: BodyId | None = None
    timezone: Timezone = None  # type: ignore[assignment]
    user: BodyId | None = None
    receives_statements: bool = None  # type: ignore[assignment]
    preferred_language: Language = None  # type: ignore[assignment]


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
    preferred_language: str
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


@router.get(
    "/contacts",
    response=reads(ContactList, 422),
    operation_id="contacts_list",
    summary="List contacts",
)
def list_contacts(
    request: HttpRequest,
    paging: Query[PageQuery],
    customer: IdFilter = None,
    site: IdFilter = None,
) -> dict[str, Any]:
    qs = _contacts(request).order_by("customer__name", "name", "id")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if site is not None:
        qs = qs.filter(site_id=site)
    return page(qs, paging)


@router.post(
    "/contacts",
    response=writes(ContactOut, status=201),
    operation_id="contacts_create",
    summary="Create a contact",
)
@idempotent
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Any]:
    require_staff(request, "create contacts")
    data = payload.dict()
    with transaction.atomic():
        data["customer"] = reference(customers_for(request.user), data["customer"], "customer")
        return Status(201, customer_services.create_contact(**_resolve(request, data)))


@router.get(
    "/contacts/{contact_id}",
    response=reads(ContactOut, 404, 422),
    operation_id="contacts_get",
    summary="Get a contact",
)
def get_contact(request: HttpRequest, contact_id: Id) -> Any:
    return get_or_404(_contacts(request), contact_id)


@router.patch(
    "/contacts/{contact_id}",
    response=writes(ContactOut, 404),
    operation_id="contacts_update",
    summary="Update a contact",
)
def update_contact(request: HttpRequest, contact_id: Id, payload: ContactPatch) -> Any:
    contact = get_or_404(_contacts(request), contact_id)
    require_staff(request, "edit contacts")
    with transaction.atomic():
        changes = _resolve(request, payload.dict(exclude_unset=True))
        return customer_services.update_contact(contact=contact, changes=changes)
