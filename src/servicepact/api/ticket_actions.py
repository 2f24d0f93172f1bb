"""Ticket transitions: ``POST /tickets/{id}/{action}``; each answers with the ticket detail.

Comments live here too, read and write (django-ninja serves one path from one router).

Order of checks: 404 outside the caller's tenancy, 403 for a contact attempting a staff
action, then the service: 422 for bad input, 409 when the ticket's state forbids the action.
Each action is one transaction; a refused one writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from servicepact.accounts.actors import actor_of
from servicepact.accounts.models import Team
from servicepact.api.common import is_staff, reference
from servicepact.api.ticket_render import CommentOut, TicketDetail, render_comment
from servicepact.api.tickets import detail
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    idempotent,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.customers import services as customer_services
from servicepact.tickets import services
from servicepact.tickets.choices import REASON_MAX_CHARS, TEXT_MAX_CHARS
from servicepact.tickets.models import Comment, Ticket
from servicepact.tickets.selectors import get_ticket, visible_comments

router = Router(tags=["ticket actions"])


# A reason is shown where the ticket's waiting reason is: bounded like it.
Reason = Annotated[str, model_text(Ticket, "waiting_reason")]
Priority = Annotated[int, model_int(Ticket, "priority")]
CommentBody = Annotated[str, model_text(Comment, "body")]


class ReasonIn(ApiIn):
    reason: Reason


class RestoreIn(ApiIn):
    note: str = ""


class SolutionIn(ApiIn):
    solution: str


class ResolveIn(ApiIn):
    resolution: str = ""


class StageIn(ApiIn):
    """A once-per-ticket stage (``record_stage``): when it happened, default now."""

    at: AwareDatetime | None = None


class OnsiteIn(StageIn):
    engineer: str = ""


class ConfirmFaultIn(StageIn):
    note: Annotated[str, Field(max_length=TEXT_MAX_CHARS)] = ""


class DispatchIn(StageIn):
    engineer: Annotated[str, Field(max_length=200)] = ""


class EscalateIn(ApiIn):
    reason: Annotated[str, Field(max_length=REASON_MAX_CHARS)] = ""


class PriorityIn(ApiIn):
    priority: Priority
    reason: Reason


class AssignIn(ApiIn):
    assignee: BodyId | None = None
    team: BodyId | None = None


class CommentIn(ApiIn):
    body: CommentBody
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
        raise PermissionDenied(_("Only provider staff may %(what)s.") % {"what": what})
    with transaction.atomic():
        call(ticket)
    return detail(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/acknowledge",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_acknowledge",
    summary="Acknowledge a ticket (first response)",
)
def acknowledge(request: HttpRequest, ticket_id: Id) -> Any:
    """First response: new -> acknowledged."""
    return act(
        request,
        ticket_id,
        lambda t: services.acknowledge_ticket(ticket=t, actor=actor_of(request)),
        what="acknowledge tickets",
    )


@router.post(
    "/tickets/{ticket_id}/start",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_start",
    summary="Start work on a ticket",
)
def start(request: HttpRequest, ticket_id: Id) -> Any:
    """Acknowledged -> in progress."""
    return act(
        request,
        ticket_id,
        lambda t: services.start_work(ticket=t, actor=actor_of(request)),
        what="start work",
    )


@router.post(
    "/tickets/{ticket_id}/pause",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_pause",
    summary="Pause a ticket (waiting on the customer)",
)
def pause(request: HttpRequest, ticket_id: Id, payload: ReasonIn) -> Any:
    """Waiting on the customer: pauses the restore and resolution clocks."""
    return act(
        request,
        ticket_id,
        lambda t: services.pause_ticket(ticket=t, actor=actor_of(request), reason=payload.reason),
        what="pause tickets",
    )


@router.post(
    "/tickets/{ticket_id}/resume",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_resume",
    summary="Resume a paused ticket",
)
def resume(request: HttpRequest, ticket_id: Id) -> Any:
    return act(
        request,
        ticket_id,
        lambda t: services.resume_ticket(ticket=t, actor=actor_of(request)),
        what="resume tickets",
    )


@router.post(
    "/tickets/{ticket_id}/restore",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_restore",
    summary="Record a workaround (service restored)",
)
def restore(request: HttpRequest, ticket_id: Id, payload: RestoreIn) -> Any:
    """Service restored by a workaround: stops the restore clock; the ticket stays open."""
    return act(
        request,
        ticket_id,
        lambda t: services.record_restore(ticket=t, actor=actor_of(request), note=payload.note),
        what="record restorations",
    )


@router.post(
    "/tickets/{ticket_id}/propose-solution",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_propose_solution",
    summary="Propose a solution",
)
def propose_solution(request: HttpRequest, ticket_id: Id, payload: SolutionIn) -> Any:
    return act(
        request,
        ticket_id,
        lambda t: services.propose_solution(
            ticket=t, actor=actor_of(request), solution=payload.solution
        ),
        what="propose solutions",
    )


@router.post(
    "/tickets/{ticket_id}/resolve",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_resolve",
    summary="Resolve a ticket",
)
def resolve(request: HttpRequest, ticket_id: Id, payload: ResolveIn) -> Any:
    """Stops the resolution and restore clocks."""
    return act(
        request,
        ticket_id,
        lambda t: services.resolve_ticket(
            ticket=t, actor=actor_of(request), resolution=payload.resolution
        ),
        what="resolve tickets",
    )


@router.post(
    "/tickets/{ticket_id}/close",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_close",
    summary="Close a resolved ticket",
)
def close(request: HttpRequest, ticket_id: Id) -> Any:
    """Resolved -> closed (a contact confirms the resolution)."""
    return act(
        request,
        ticket_id,
        lambda t: services.close_ticket(ticket=t, actor=actor_of(request)),
        contacts_may=True,
    )


@router.post(
    "/tickets/{ticket_id}/reopen",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_reopen",
    summary="Reopen a resolved ticket",
)
def reopen(request: HttpRequest, ticket_id: Id, payload: ReasonIn) -> Any:
    """Resolved -> in progress; the resolution clock continues where it stopped."""
    return act(
        request,
        ticket_id,
        lambda t: services.reopen_ticket(ticket=t, actor=actor_of(request), reason=payload.reason),
        contacts_may=True,
    )


@router.post(
    "/tickets/{ticket_id}/accept-solution",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_accept_solution",
    summary="Accept the proposed solution (customer)",
)
def accept_solution(request: HttpRequest, ticket_id: Id) -> Any:
    """The customer accepts the proposed solution: solution proposed -> resolved -> closed."""
    return act(
        request,
        ticket_id,
        lambda t: services.accept_solution(ticket=t, actor=actor_of(request)),
        contacts_may=True,
    )


@router.post(
    "/tickets/{ticket_id}/decline-solution",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_decline_solution",
    summary="Decline the proposed solution (customer)",
)
def decline_solution(request: HttpRequest, ticket_id: Id, payload: ReasonIn) -> Any:
    """The customer declines the proposed solution (``reason`` required): back to in progress."""
    return act(
        request,
        ticket_id,
        lambda t: services.decline_solution(
            ticket=t, actor=actor_of(request), reason=payload.reason
        ),
        contacts_may=True,
    )


def record_stage(
    request: HttpRequest,
    ticket_id: int,
    service: Callable[..., Ticket],
    payload: StageIn,
    *,
    what: str,
) -> dict[str, Any]:
    """The one handler of the once-per-ticket stages (on-site arrival, fault confirmed,
    engineer dispatched; ``tickets.services._record_stage``): staff only, ``at`` and the
    payload's other fields passed to the service as keywords."""
    fields = payload.model_dump(exclude={"at"})
    return act(
        request,
        ticket_id,
        lambda t: service(ticket=t, actor=actor_of(request), at=payload.at, **fields),
        what=what,
    )


@router.post(
    "/tickets/{ticket_id}/onsite-arrival",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_onsite_arrival",
    summary="Record the engineer's on-site arrival",
)
def onsite_arrival(request: HttpRequest, ticket_id: Id, payload: OnsiteIn) -> Any:
    """The engineer arrived on site; ``at`` may be earlier than now (recorded afterwards)."""
    return record_stage(
        request, ticket_id, services.record_onsite_arrival, payload, what="record on-site arrivals"
    )


@router.post(
    "/tickets/{ticket_id}/confirm-fault",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_confirm_fault",
    summary="Confirm the fault (问题确认)",
)
def confirm_fault(request: HttpRequest, ticket_id: Id, payload: ConfirmFaultIn) -> Any:
    """The fault is confirmed: clocks measured from the confirmation start (once per ticket;
    409 if already confirmed or the ticket is not acknowledged / in progress)."""
    return record_stage(request, ticket_id, services.confirm_fault, payload, what="confirm faults")


@router.post(
    "/tickets/{ticket_id}/dispatch",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_dispatch",
    summary="Record that an engineer is dispatched (派遣)",
)
def dispatch(request: HttpRequest, ticket_id: Id, payload: DispatchIn) -> Any:
    """An engineer is dispatched to the customer (stops the dispatch clock; once per
    ticket)."""
    return record_stage(
        request, ticket_id, services.dispatch_engineer, payload, what="dispatch engineers"
    )


@router.post(
    "/tickets/{ticket_id}/escalate",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_escalate",
    summary="Escalate a ticket to the next support level",
)
def escalate(request: HttpRequest, ticket_id: Id, payload: EscalateIn) -> Any:
    """Functional escalation: 1st -> 2nd -> 3rd level support (409 at the 3rd); an event on
    the timeline that metrics may start or stop on."""
    return act(
        request,
        ticket_id,
        lambda t: services.escalate_ticket(
            ticket=t, actor=actor_of(request), reason=payload.reason
        ),
        what="escalate tickets",
    )


@router.post(
    "/tickets/{ticket_id}/priority",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_change_priority",
    summary="Change a ticket's priority",
)
def change_priority(request: HttpRequest, ticket_id: Id, payload: PriorityIn) -> Any:
    """Moves the ticket to another priority; the clocks are re-measured against its targets."""
    return act(
        request,
        ticket_id,
        lambda t: services.change_priority(
            ticket=t, actor=actor_of(request), priority=payload.priority, reason=payload.reason
        ),
        what="change priorities",
    )


@router.post(
    "/tickets/{ticket_id}/assign",
    response=writes(TicketDetail, 404, 409),
    operation_id="tickets_assign",
    summary="Assign a ticket",
)
def assign(request: HttpRequest, ticket_id: Id, payload: AssignIn) -> Any:
    """Sets the assignee (a staff user id) and the team; null clears either."""

    def call(ticket: Ticket) -> Any:
        return services.assign_ticket(
            ticket=ticket,
            actor=actor_of(request),
            assignee=customer_services.user_by_id(payload.assignee, "assignee"),
            team=reference(Team.objects.all(), payload.team, "team"),
        )

    return act(request, ticket_id, call, what="assign tickets")


@router.post(
    "/tickets/{ticket_id}/comments",
    response=writes(TicketDetail, 404, 409, status=201),
    operation_id="tickets_comment",
    summary="Add a comment to a ticket",
)
@idempotent
def comment(request: HttpRequest, ticket_id: Id, payload: CommentIn) -> Status[Any]:
    """Adds a comment; only staff write internal ones (contacts never see them)."""
    if payload.internal and not is_staff(request):
        get_ticket(request.user, ticket_id)  # 404 before 403
        raise PermissionDenied(_("Only provider staff may write internal comments."))
    updated = act(
        request,
        ticket_id,
        lambda t: services.add_comment(
            ticket=t, author=actor_of(request), body=payload.body, internal=payload.internal
        ),
        contacts_may=True,
    )
    return Status(201, updated)


class CommentList(Schema):
    items: list[CommentOut]
    count: int


@router.get(
    "/tickets/{ticket_id}/comments",
    response=reads(CommentList, 404, 422),
    operation_id="tickets_comments",
    summary="List a ticket's comments",
)
def list_comments(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    """Comments, oldest first (contacts never see internal ones)."""
    ticket = get_ticket(request.user, ticket_id)
    items = [render_comment(c) for c in visible_comments(request.user, ticket)]
    return {"items": items, "count": len(items)}
