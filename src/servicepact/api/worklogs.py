"""Work logs: time spent on tickets (billable time counts against the included hours).

GET  /worklogs   list (filters: ticket, contract, date_from, date_to); a contact sees its
                 own customer's tickets' logs
POST /worklogs   staff only (403): billing.services.log_work (``started_at`` lets the engine
                 compute the minutes outside coverage hours; ``warnings`` names excluded work)
PATCH /worklogs/{id}, DELETE /worklogs/{id}   staff only, audited (billing.services)
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    UserRef,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
    user_ref,
)
from servicepact.billing.choices import WorkType
from servicepact.billing.hours import scope_warnings
from servicepact.billing.models import WorkLog
from servicepact.billing.services import delete_work_log, edit_work_log, log_work
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, Text, idempotent, reads, writes
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["worklogs"])


class WorkLogIn(ApiIn):
    ticket: int
    minutes: int
    date: dt.date | None = None
    started_at: datetime | None = None
    category: Text = ""
    work_type: str = WorkType.REMOTE.value
    role: Text | None = None  # the rate card's role; default: the worker's billing role
    billable: bool = True
    note: str = ""
    user: int | None = Field(
        None, ge=1, le=MAX_DB_INT
    )  # who did the work (staff); default: the caller


class TicketRef(Schema):
    id: int
    number: str


class WorkLogOut(Schema):
    id: int
    ticket: TicketRef
    user: UserRef | None
    date: date
    minutes: int
    work_type: str
    role: str
    billable: bool
    note: str
    started_at: datetime | None
    category: str
    out_of_hours_minutes: int
    created_at: datetime
    warnings: list[str] = []


class WorkLogPatch(ApiIn):
    minutes: int | None = None
    date: dt.date | None = None
    started_at: datetime | None = None
    work_type: Text | None = None
    role: Text | None = None
    category: Text | None = None
    billable: bool | None = None
    note: Text | None = None
    reason: Text = ""


class DeletedOut(Schema):
    id: int
    deleted: bool


class WorkLogList(ListOut):
    items: list[WorkLogOut]


class WorkLogFilters(PageQuery, ApiIn):
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    date_from: date | None = None
    date_to: date | None = None


def worklogs_for(user: Any) -> Any:
    return (
        WorkLog.objects.filter(ticket__in=tickets_for(user))
        .select_related("ticket", "user")
        .order_by("-date", "-id")
    )


def render_worklog(log: WorkLog) -> dict[str, Any]:
    return {
        "id": log.pk,
        "ticket": {"id": log.ticket_id, "number": log.ticket.number},
        "user": user_ref(log.user),
        "date": log.date,
        "minutes": log.minutes,
        "work_type": log.work_type,
        "role": log.role,
        "billable": log.billable,
        "note": log.note,
        "started_at": log.started_at,
        "category": log.category,
        "out_of_hours_minutes": log.out_of_hours_minutes,
        "created_at": log.created_at,
        "warnings": scope_warnings(log),
    }


@router.get(
    "/worklogs",
    response=reads(WorkLogList, 422),
    operation_id="worklogs_list",
    summary="List work logs (tenancy-scoped)",
)
def list_worklogs(request: HttpRequest, filters: Query[WorkLogFilters]) -> dict[str, Any]:
    qs = worklogs_for(request.user)
    if filters.ticket is not None:
        qs = qs.filter(ticket_id=filters.ticket)
    if filters.contract is not None:
        qs = qs.filter(ticket__contract_id=filters.contract)
    if filters.date_from is not None:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        qs = qs.filter(date__lte=filters.date_to)
    return rendered_page(qs, filters, render_worklog)


@router.post(
    "/worklogs",
    response=writes(WorkLogOut, 404, status=201),
    operation_id="worklogs_create",
    summary="Log work on a ticket (staff)",
)
@idempotent
def create_worklog(request: HttpRequest, payload: WorkLogIn) -> Status[Any]:
    require_staff(request, "log work")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    worker = reference(get_user_model().objects.all(), payload.user, "user") or request.user
    assert ticket is not None
    log = log_work(
        ticket=ticket,
        user=worker,
        minutes=payload.minutes,
        day=payload.date,
        started_at=payload.started_at,
        category=payload.category,
        work_type=payload.work_type,
        role=payload.role,
        billable=payload.billable,
        note=payload.note,
        actor=actor_of(request),
    )
    return Status(201, render_worklog(worklogs_for(request.user).get(pk=log.pk)))


@router.patch(
    "/worklogs/{log_id}",
    response=writes(WorkLogOut, 404),
    operation_id="worklogs_update",
    summary="Change a work log (staff; audited)",
)
def update_worklog(request: HttpRequest, log_id: Id, payload: WorkLogPatch) -> dict[str, Any]:
    require_staff(request, "edit work logs")
    log = get_or_404(worklogs_for(request.user), log_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    edit_work_log(log=log, actor=actor_of(request), reason=reason, **changes)
    return render_worklog(worklogs_for(request.user).get(pk=log.pk))


@router.api_operation(
    ["DELETE"],
    "/worklogs/{log_id}",
    response=writes(DeletedOut, 404),
    operation_id="worklogs_delete",
    summary="Delete a work log (staff; audited)",
)
def remove_worklog(request: HttpRequest, log_id: Id) -> dict[str, Any]:
    require_staff(request, "delete work logs")
    log = get_or_404(worklogs_for(request.user), log_id)
    delete_work_log(log=log, actor=actor_of(request), reason=request.GET.get("reason", "")[:300])
    return {"id": log_id, "deleted": True}
