"""Tickets: list (filters), open, detail with live clocks, and the event timeline.

Transitions and comments are in ``ticket_actions``. A contact sees and opens tickets of its own customer
only; staff see and do everything.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    PageQuery,
    caller_contact,
    is_staff,
    query_error,
    reference,
)
from servicepact.api.ticket_render import (
    EventOut,
    TicketDetail,
    TicketList,
    render_detail,
    render_event,
)
from servicepact.api.ticket_rows import json_response, ticket_page
from servicepact.assets.selectors import assets_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now
from servicepact.customers.selectors import contacts_for, customers_for
from servicepact.tickets import services
from servicepact.tickets.choices import Category, Channel, TicketKind
from servicepact.tickets.choices import Status as TicketStatus
from servicepact.tickets.models import Ticket
from servicepact.tickets.selectors import get_ticket, ticket_list, visible_events

router = Router(tags=["tickets"])


Subject = Annotated[str, model_text(Ticket, "subject")]
Description = Annotated[str, model_text(Ticket, "description")]
ChannelText = Annotated[str, model_text(Ticket, "channel")]
CategoryText = Annotated[str, model_text(Ticket, "category")]
KindText = Annotated[str, model_text(Ticket, "kind")]
Impact = Annotated[int, model_int(Ticket, "impact")]
Urgency = Annotated[int, model_int(Ticket, "urgency")]
Priority = Annotated[int, model_int(Ticket, "priority")]


StatusFilter = Annotated[Text | None, Query(None, description="comma-separated statuses")]
AssigneeFilter = Annotated[Text | None, Query(None, description='a user id or "me"')]


class TicketIn(ApiIn):
    customer: BodyId | None = None
    asset: BodyId | None = None
    contact: BodyId | None = None
    subject: Subject
    description: Description = ""
    channel: ChannelText = Channel.API.value
    category: CategoryText = Category.HARDWARE.value
    kind: KindText = TicketKind.INCIDENT.value
    impact: Impact = 3
    urgency: Urgency = 3
    priority: Priority | None = None


class EventList(Schema):
    items: list[EventOut]
    count: int


def detail(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """The ticket as the caller may see it, clocks evaluated now (404 outside its tenancy)."""
    return render_detail(request, get_ticket(request.user, ticket_id), now())


def _assignee_filter(request: HttpRequest, assigned_to: str | None) -> int | None:
    if assigned_to is None:
        return None
    if assigned_to == "me":
        return int(actor_of(request).pk)
    if not (assigned_to.isascii() and assigned_to.isdigit()) or int(assigned_to) > MAX_DB_INT:
        raise query_error("assigned_to", 'a user id or "me"')
    return int(assigned_to)


@router.get(
    "/tickets",
    response=reads(TicketList, 422),
    operation_id="tickets_list",
    summary="List tickets",
)
def list_tickets(
    request: HttpRequest,
    paging: Query[PageQuery],
    status: StatusFilter = None,
    priority: Annotated[int | None, Query(ge=1, le=4)] = None,
    customer: IdFilter = None,
    asset: IdFilter = None,
    breaching_before: AwareDatetime | None = None,
    assigned_to: AssigneeFilter = None,
) -> HttpResponse:
    """Newest first. ``breaching_before`` (an ISO instant with offset): tickets whose next
    running deadline falls before it. ``assigned_to``: a user id or ``me``."""
    if status and not set(status.split(",")) <= set(TicketStatus.values):
        raise query_error("status", f"each status must be one of {', '.join(TicketStatus.values)}")
    qs = ticket_list(
        request.user,
        status=status,
        priority=priority,
        customer=customer,
        asset=asset,
        breaching_before=breaching_before,
        assignee=_assignee_filter(request, assigned_to),
    ).order_by("-opened_at", "-id")
    # Rows as plain values written as JSON at once: ``api.ticket_rows`` (equal, byte for byte,
    # to validating ``render_summary``'s rows through TicketList; issue 12).
    return json_response(ticket_page(qs, paging, staff=is_staff(request)))


def _opening_party(request: HttpRequest, payload: TicketIn) -> tuple[Any, Any]:
    """(customer, default contact): staff name the customer; a contact opens for its own."""
    if is_staff(request):
        if payload.customer is None:
            raise DomainValidationError({"customer": [_("required")]})
        return reference(customers_for(request.user), payload.customer, "customer"), None
    contact = caller_contact(request)
    if contact is None:
        raise PermissionDenied(_("Only provider staff and customer contacts may open tickets."))
    if payload.customer is not None and payload.customer != contact.customer_id:
        raise PermissionDenied(_("A contact opens tickets for its own customer only."))
    if payload.priority is not None:
        raise PermissionDenied(_("Only provider staff may set the priority."))
    return contact.customer, contact


@router.post(
    "/tickets",
    response=writes(TicketDetail, status=201),
    operation_id="tickets_create",
    summary="Open a ticket",
)
@idempotent
def open_ticket(request: HttpRequest, payload: TicketIn) -> Status[Any]:
    """Opens a ticket: coverage is resolved, the priority derived, the clocks started."""
    customer, own_contact = _opening_party(request, payload)
    with transaction.atomic():
        asset = reference(assets_for(request.user), payload.asset, "asset")
        contact = reference(contacts_for(request.user), payload.contact, "contact")
        ticket = services.open_ticket(
            customer=customer,
            subject=payload.subject,
            description=payload.description,
            contact=contact or own_contact,
            asset=asset,
            channel=payload.channel,
            category=payload.category,
            kind=payload.kind,
            impact=payload.impact,
            urgency=payload.urgency,
            priority=payload.priority,
            actor=actor_of(request),
        )
    return Status(201, detail(request, ticket.pk))


@router.get(
    "/tickets/{ticket_id}",
    response=reads(TicketDetail, 404, 422),
    operation_id="tickets_get",
    summary="Get a ticket with its live SLA clocks",
)
def get_ticket_detail(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    return detail(request, ticket_id)


@router.get(
    "/tickets/{ticket_id}/events",
    response=reads(EventList, 404, 422),
    operation_id="tickets_events",
    summary="List a ticket's events",
)
def list_events(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    """The timeline, oldest first (contacts see public events only)."""
    ticket = get_ticket(request.user, ticket_id)
    items = [render_event(e) for e in visible_events(request.user, ticket)]
    return {"items": items, "count": len(items)}
