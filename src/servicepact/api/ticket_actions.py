"""Ticket transitions: ``POST /tickets/{id}/{action}``; each answers with the ticket detail.

Comments live here too, read and write (django-ninja serves one path from one router).

Order of checks: 404 outside the caller's tenancy, 403 for a contact attempting a staff
action, then the service: 422 for bad input, 409 when the ticket's state forbids the action.
Each action is one transaction; a refused one writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.models import Team
from servicepact.api.common import is_staff, reference
from servicepact.api.ticket_render import CommentOut, TicketDetail, render_comment
from servicepact.api.tickets import detail
from servicepact.customers import services as customer_services
from servicepact.tickets import services
from servicepact.tickets.models import Ticket
from servicepact.tickets.selectors import get_ticket, visible_comments

router = Router(tags=["ticket actions"])


class ReasonIn(Schema):
    reason: str


class RestoreIn(Schema):
    note: str = ""


class SolutionIn(Schema):
    solution: str


class ResolveIn(Schema):
    resolution: str = ""


class OnsiteIn(Schema):
    at: AwareDatetime | None = None
    engineer: str = ""


class PriorityIn(Schema):
    priority: int
    reason: str


class AssignIn(Schema):
    assignee: int | None = None
    team: int | None = None


class CommentIn(Schema):
    body: str
    internal: bool = False


def act(
    request: HttpRequest,
    ticket_id: int,
    call: Callable[[Ticket], Any],
    *,
    contacts_may: bool = False,
    what: str = "do this",
) -> dict[str, Any]:
    ticket = get_ticket(request.user, ticket_id)
    if not (is_staff(request) or contacts_may):
        raise PermissionDenied(f"Only provider staff may {what}.")
    with transaction.atomic():
        call(ticket)
    return detail(request, ticket_id)


@router.post("/tickets/{ticket_id}/acknowledge", response=TicketDetail)
def acknowledge(request: HttpRequest, ticket_id: int) -> Any:
    """First response: new -> acknowledged."""
    return act(
        request,
        ticket_id,
        lambda t: services.acknowledge_ticket(ticket=t, actor=request.user),
        what="acknowledge tickets",
    )


@router.post("/tickets/{ticket_id}/start", response=TicketDetail)
def start(request: HttpRequest, ticket_id: int) -> Any:
    """Acknowledged -> in progress."""
    return act(
        request,
        ticket_id,
        lambda t: services.start_work(ticket=t, actor=request.user),
        what="start work",
    )


@router.post("/tickets/{ticket_id}/pause", response=TicketDetail)
def pause(request: HttpRequest, ticket_id: int, payload: ReasonIn) -> Any:
    """Waiting on the customer: pauses the restore and resolution clocks."""
    return act(
        request,
        ticket_id,
        lambda t: services.pause_ticket(ticket=t, actor=request.user, reason=payload.reason),
        what="pause tickets",
    )


@router.post("/tickets/{ticket_id}/resume", response=TicketDetail)
def resume(request: HttpRequest, ticket_id: int) -> Any:
    return act(
        request,
        ticket_id,
        lambda t: services.resume_ticket(ticket=t, actor=request.user),
        what="resume tickets",
    )


@router.post("/tickets/{ticket_id}/restore", response=TicketDetail)
def restore(request: HttpRequest, ticket_id: int, payload: RestoreIn) -> Any:
    """Service restored by a workaround: stops the restore clock; the ticket stays open."""
    return act(
        request,
        ticket_id,
        lambda t: services.record_restore(ticket=t, actor=request.user, note=payload.note),
        what="record restorations",
    )


@router.post("/tickets/{ticket_id}/propose-solution", response=TicketDetail)
def propose_solution(request: HttpRequest, ticket_id: int, payload: SolutionIn) -> Any:
    return act(
        request,
        ticket_id,
        lambda t: services.propose_solution(
            ticket=t, actor=request.user, solution=payload.solution
        ),
        what="propose solutions",
    )


@router.post("/tickets/{ticket_id}/resolve", response=TicketDetail)
def resolve(request: HttpRequest, ticket_id: int, payload: ResolveIn) -> Any:
    """Stops the resolution and restore clocks."""
    return act(
        request,
        ticket_id,
        lambda t: services.resolve_ticket(
            ticket=t, actor=request.user, resolution=payload.resolution
        ),
        what="resolve tickets",
    )


@router.post("/tickets/{ticket_id}/close", response=TicketDetail)
def close(request: HttpRequest, ticket_id: int) -> Any:
    """Resolved -> closed (a contact confirms the resolution)."""
    return act(
        request,
        ticket_id,
        lambda t: services.close_ticket(ticket=t, actor=request.user),
        contacts_may=True,
    )


@router.post("/tickets/{ticket_id}/reopen", response=TicketDetail)
def reopen(request: HttpRequest, ticket_id: int, payload: ReasonIn) -> Any:
    """Resolved -> in progress; the resolution clock continues where it stopped."""
    return act(
        request,
        ticket_id,
        lambda t: services.reopen_ticket(ticket=t, actor=request.user, reason=payload.reason),
        contacts_may=True,
    )


@router.post("/tickets/{ticket_id}/accept-solution", response=TicketDetail)
def accept_solution(request: HttpRequest, ticket_id: int) -> Any:
    """The customer accepts the proposed solution: solution proposed -> resolved -> closed."""
    return act(
        request,
        ticket_id,
        lambda t: services.accept_solution(ticket=t, actor=request.user),
        contacts_may=True,
    )


@router.post("/tickets/{ticket_id}/decline-solution", response=TicketDetail)
def decline_solution(request: HttpRequest, ticket_id: int, payload: ReasonIn) -> Any:
    """The customer declines the proposed solution (``reason`` required): back to in progress."""
    return act(
        request,
        ticket_id,
        lambda t: services.decline_solution(ticket=t, actor=request.user, reason=payload.reason),
        contacts_may=True,
    )


@router.post("/tickets/{ticket_id}/onsite-arrival", response=TicketDetail)
def onsite_arrival(request: HttpRequest, ticket_id: int, payload: OnsiteIn) -> Any:
    """The engineer arrived on site; ``at`` may be earlier than now (recorded afterwards)."""
    return act(
        request,
        ticket_id,
        lambda t: services.record_onsite_arrival(
            ticket=t, actor=request.user, at=payload.at, engineer=payload.engineer
        ),
        what="record on-site arrivals",
    )


@router.post("/tickets/{ticket_id}/priority", response=TicketDetail)
def change_priority(request: HttpRequest, ticket_id: int, payload: PriorityIn) -> Any:
    """Moves the ticket to another priority; the clocks are re-measured against its targets."""
    return act(
        request,
        ticket_id,
        lambda t: services.change_priority(
            ticket=t, actor=request.user, priority=payload.priority, reason=payload.reason
        ),
        what="change priorities",
    )


@router.post("/tickets/{ticket_id}/assign", response=TicketDetail)
def assign(request: HttpRequest, ticket_id: int, payload: AssignIn) -> Any:
    """Sets the assignee (a staff user id) and the team; null clears either."""

    def call(ticket: Ticket) -> Any:
        return services.assign_ticket(
            ticket=ticket,
            actor=request.user,
            assignee=customer_services.user_by_id(payload.assignee, "assignee"),
            team=reference(Team.objects.all(), payload.team, "team"),
        )

    return act(request, ticket_id, call, what="assign tickets")


@router.post("/tickets/{ticket_id}/comments", response={201: TicketDetail})
def comment(request: HttpRequest, ticket_id: int, payload: CommentIn) -> Status[Any]:
    """Adds a comment; only staff write internal ones (contacts never see them)."""
    if payload.internal and not is_staff(request):
        get_ticket(request.user, ticket_id)  # 404 before 403
        raise PermissionDenied("Only provider staff may write internal comments.")
    updated = act(
        request,
        ticket_id,
        lambda t: services.add_comment(
            ticket=t, author=request.user, body=payload.body, internal=payload.internal
        ),
        contacts_may=True,
    )
    return Status(201, updated)


class CommentList(Schema):
    items: list[CommentOut]
    count: int


@router.get("/tickets/{ticket_id}/comments", response=CommentList)
def list_comments(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """Comments, oldest first (contacts never see internal ones)."""
    ticket = get_ticket(request.user, ticket_id)
    items = [render_comment(c) for c in visible_comments(request.user, ticket)]
    return {"items": items, "count": len(items)}
