"""Parts used on tickets (``billing.parts``): a part out of warranty is charged at the period
close at its cost plus the rate card's markup; under warranty it is not charged. (``/parts``
is the spare-parts catalogue of ``api.stock``; consuming a reserved part records a use here.)

GET    /part-uses        list (filters: ticket, contract, date_from, date_to); a contact sees its
                     own customer's tickets' parts
POST   /part-uses        staff only (403): billing.parts.record_part
DELETE /part-uses/{id}   staff only: a part of a month whose charges are not produced
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
)
from servicepact.billing.models import PartUse
from servicepact.billing.parts import delete_part, record_part
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
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["part uses"])


class PartUseIn(ApiIn):
    ticket: int = Field(..., ge=1, le=MAX_DB_INT)
    part_number: Annotated[str, model_text(PartUse, "part_number", min_length=1)]
    description: Annotated[str, model_text(PartUse, "description", min_length=1)]
    quantity: Annotated[int, model_int(PartUse, "quantity")] = 1
    unit_price: Annotated[Decimal, model_decimal(PartUse, "unit_price")]
    under_warranty: bool = False
    date: dt.date | None = None  # default: today in the ticket's zone


class PartUseTicketRef(Schema):
    id: int
    number: str


class PartUseOut(Schema):
    id: int
    ticket: PartUseTicketRef
    date: dt.date
    part_number: str
    description: str
    quantity: int
    unit_price: str
    currency: str
    under_warranty: bool
    created_at: dt.datetime


class PartUseList(ListOut):
    items: list[PartUseOut]


class PartUseFilters(PageQuery, ApiIn):
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class PartUseDeletedOut(Schema):
    id: int
    deleted: bool


def parts_for(user: Any) -> Any:
    return (
        PartUse.objects.filter(ticket__in=tickets_for(user))
        .select_related("ticket", "ticket__contract")
        .order_by("-date", "-id")
    )


def render_part(part: PartUse) -> dict[str, Any]:
    contract = part.ticket.contract
    return {
        "id": part.pk,
        "ticket": {"id": part.ticket_id, "number": part.ticket.number},
        "date": part.date,
        "part_number": part.part_number,
        "description": part.description,
        "quantity": part.quantity,
        "unit_price": str(part.unit_price),
        "currency": contract.fee_currency if contract is not None else "",
        "under_warranty": part.under_warranty,
        "created_at": part.created_at,
    }


@router.get(
    "/part-uses",
    response=reads(PartUseList, 422),
    operation_id="part_uses_list",
    summary="List parts used on tickets (tenancy-scoped)",
)
def list_parts(request: HttpRequest, filters: Query[PartUseFilters]) -> dict[str, Any]:
    qs = parts_for(request.user)
    if filters.ticket is not None:
        qs = qs.filter(ticket_id=filters.ticket)
    if filters.contract is not None:
        qs = qs.filter(ticket__contract_id=filters.contract)
    if filters.date_from is not None:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        qs = qs.filter(date__lte=filters.date_to)
    return rendered_page(qs, filters, render_part)


@router.post(
    "/part-uses",
    response=writes(PartUseOut, 404, status=201),
    operation_id="part_uses_create",
    summary="Record a part used on a ticket (staff)",
)
@idempotent
def create_part(request: HttpRequest, payload: PartUseIn) -> Status[Any]:
    require_staff(request, "record parts")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert ticket is not None
    part = record_part(
        ticket=ticket,
        actor=actor_of(request),
        part_number=payload.part_number,
        description=payload.description,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        under_warranty=payload.under_warranty,
        day=payload.date,
    )
    return Status(201, render_part(parts_for(request.user).get(pk=part.pk)))


@router.api_operation(
    ["DELETE"],
    "/part-uses/{part_id}",
    response=writes(PartUseDeletedOut, 404),
    operation_id="part_uses_delete",
    summary="Delete a part of an open month (staff)",
)
def remove_part(request: HttpRequest, part_id: Id) -> dict[str, Any]:
    require_staff(request, "delete parts")
    part = get_or_404(parts_for(request.user), part_id)
    delete_part(part=part, actor=actor_of(request))
    return {"id": part_id, "deleted": True}
