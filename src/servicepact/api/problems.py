"""Problems (ITIL problem management, ``changes.problems``): the cause behind incidents,
its root cause and workaround, the tickets it causes and the changes that fix it.

GET   /problems         tenancy-scoped list (?customer=, ?status=, ?ticket=, ?change=)
POST  /problems         staff: record one
GET   /problems/{id}    one (another customer's: 404)
PATCH /problems/{id}    staff: fields, status, linked tickets and changes (lists replace)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
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
from servicepact.changes.choices import ProblemStatus
from servicepact.changes.models import Problem
from servicepact.changes.problems import problems_for, record_problem, update_problem
from servicepact.changes.selectors import changes_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    BodyId,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.customers.selectors import customers_for
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["problems"])

LongText = Annotated[str, Field(max_length=10_000)]


class ProblemTicketRef(Schema):
    id: int
    number: str


class ProblemOut(Schema):
    id: int
    number: str
    customer: int
    title: str
    description: str
    status: str
    root_cause: str
    workaround: str
    tickets: list[ProblemTicketRef]
    changes: list[int]
    created_at: datetime
    resolved_at: datetime | None


class ProblemList(ListOut):
    items: list[ProblemOut]


class ProblemFilters(PageQuery, ApiIn):
    customer: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: ProblemStatus | None = None
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    change: int | None = Field(None, ge=1, le=MAX_DB_INT)


class ProblemIn(ApiIn):
    customer: BodyId
    title: Annotated[str, model_text(Problem, "title", min_length=1)]
    description: LongText = ""
    status: ProblemStatus = ProblemStatus.OPEN
    root_cause: LongText = ""
    workaround: LongText = ""
    tickets: list[BodyId] = Field(default_factory=list, max_length=200)
    changes: list[BodyId] = Field(default_factory=list, max_length=200)


class ProblemPatch(ApiIn):
    title: Annotated[str, model_text(Problem, "title", min_length=1)] | None = None
    description: LongText | None = None
    status: ProblemStatus | None = None
    root_cause: LongText | None = None
    workaround: LongText | None = None
    tickets: list[BodyId] | None = Field(None, max_length=200)
    changes: list[BodyId] | None = Field(None, max_length=200)


def render_problem(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.pk,
        "number": problem.number,
        "customer": problem.customer_id,
        "title": problem.title,
        "description": problem.description,
        "status": problem.status,
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
        "tickets": [
            {"id": t.pk, "number": t.number} for t in sorted(problem.tickets.all(), key=_pk)
        ],
        "changes": sorted(c.pk for c in problem.changes.all()),
        "created_at": problem.created_at,
        "resolved_at": problem.resolved_at,
    }


def _pk(row: Any) -> int:
    return int(row.pk)


def _linked(request: HttpRequest, ticket_ids: list[int], change_ids: list[int]) -> Any:
    """The tickets and changes a body names, as the caller sees them (not visible or
    missing: 422 on the list's field)."""
    errors: dict[str, list[str]] = {}
    tickets = list(tickets_for(request.user).filter(pk__in=ticket_ids))
    if len(tickets) != len(set(ticket_ids)):
        missing = sorted(set(ticket_ids) - {t.pk for t in tickets})
        errors["tickets"] = [_("no such %(what)s: %(ids)s") % {"what": _("ticket"), "ids": missing}]
    changes = list(changes_for(request.user).filter(pk__in=change_ids))
    if len(changes) != len(set(change_ids)):
        missing = sorted(set(change_ids) - {c.pk for c in changes})
        errors["changes"] = [_("no such %(what)s: %(ids)s") % {"what": _("change"), "ids": missing}]
    if errors:
        raise DomainValidationError(errors)
    return tickets, changes


@router.get(
    "/problems",
    response=reads(ProblemList, 422),
    operation_id="problems_list",
    summary="List problems (tenancy-scoped)",
)
def list_problems(request: HttpRequest, filters: Query[ProblemFilters]) -> dict[str, Any]:
    qs = problems_for(request.user)
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.ticket is not None:
        qs = qs.filter(tickets__id=filters.ticket)
    if filters.change is not None:
        qs = qs.filter(changes__id=filters.change)
    return rendered_page(qs.order_by("-created_at", "-pk"), filters, render_problem)


@router.post(
    "/problems",
    response=writes(ProblemOut, 404, status=201),
    operation_id="problems_create",
    summary="Record a problem (staff)",
)
@idempotent
def create_problem(request: HttpRequest, payload: ProblemIn) -> Status[Any]:
    require_staff(request, "record problems")
    customer = reference(customers_for(request.user), payload.customer, "customer")
    assert customer is not None
    tickets, changes = _linked(request, payload.tickets, payload.changes)
    problem = record_problem(
        customer=customer,
        title=payload.title,
        description=payload.description,
        status=payload.status,
        root_cause=payload.root_cause,
        workaround=payload.workaround,
        tickets=tickets,
        changes=changes,
        actor=actor_of(request),
    )
    return Status(201, render_problem(problems_for(request.user).get(pk=problem.pk)))


@router.get(
    "/problems/{problem_id}",
    response=reads(ProblemOut, 404, 422),
    operation_id="problems_get",
    summary="One problem",
)
def get_problem(request: HttpRequest, problem_id: Id) -> dict[str, Any]:
    return render_problem(get_or_404(problems_for(request.user), problem_id))


@router.patch(
    "/problems/{problem_id}",
    response=writes(ProblemOut, 404),
    operation_id="problems_update",
    summary="Change a problem, its status and its links (staff)",
)
def patch_problem(request: HttpRequest, problem_id: Id, payload: ProblemPatch) -> dict[str, Any]:
    problem = get_or_404(problems_for(request.user), problem_id)
    require_staff(request, "change problems")
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    ticket_ids, change_ids = values.pop("tickets", None), values.pop("changes", None)
    tickets, changes = _linked(request, ticket_ids or [], change_ids or [])
    update_problem(
        problem=problem,
        actor=actor_of(request),
        tickets=tickets if ticket_ids is not None else None,
        changes=changes if change_ids is not None else None,
        **values,
    )
    return render_problem(problems_for(request.user).get(pk=problem.pk))
