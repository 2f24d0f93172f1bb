"""Service plans: a catalogue tier with default targets, calendar and priority policy."""

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
    get_or_404,
    page,
    reference,
    require_staff,
)
from servicepact.api.terms import (
    CategoryTargetOut,
    TargetIn,
    TargetOut,
    metric_rank,
    render_target,
    sorted_targets,
    target_rows,
)
from servicepact.contracts import services
from servicepact.contracts.models import ServicePlan
from servicepact.contracts.selectors import calendars_for, plans_for
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.tickets import services as ticket_services

router = Router(tags=["plans"])


Name = Annotated[str, model_text(ServicePlan, "name")]
Code = Annotated[str, model_text(ServicePlan, "code")]
Description = Annotated[str, model_text(ServicePlan, "description")]


class PlanIn(ApiIn):
    name: Name
    code: Code
    description: Description = ""
    calendar: BodyId
    targets: list[TargetIn] = []
    priority_matrix: list[list[int]] | None = None
    priority_names: dict[str, str] | None = None


class PlanOut(Schema):
    id: int
    name: str
    code: str
    description: str
    calendar: Ref
    is_active: bool
    priority_matrix: list[list[int]]
    priority_names: dict[str, str]
    targets: list[TargetOut]  # for any ticket category
    # Targets for one ticket category (they win over "any" for that category).
    category_targets: list[CategoryTargetOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_targets(obj: ServicePlan, context: dict[str, Any]) -> list[Any]:
        rows = [t for t in obj.targets.all() if not t.category]
        return [render_target(t) for t in sorted_targets(rows, metric_rank(context))]

    @staticmethod
    def resolve_category_targets(obj: ServicePlan, context: dict[str, Any]) -> list[Any]:
        rows = [t for t in obj.targets.all() if t.category]
        return (
            [render_target(t) for t in sorted_targets(rows, metric_rank(context))] if rows else []
        )


class PlanList(ListOut):
    items: list[PlanOut]
    count: int


@router.get(
    "/plans", response=reads(PlanList, 422), operation_id="plans_list", summary="List service plans"
)
def list_plans(
    request: HttpRequest,
    paging: Query[PageQuery],
    is_active: bool | None = None,
) -> dict[str, Any]:
    """Staff see the catalogue; a contact sees the plans its contracts are on."""
    qs = plans_for(request.user).order_by("name", "id")
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return page(qs, paging)


def _set_targets(plan: ServicePlan, rows: list[dict[str, Any]]) -> None:
    for i, row in enumerate(rows):
        try:
            services.set_target(plan=plan, **row)
        except DomainValidationError as exc:
            raise DomainValidationError(
                {f"targets[{i}].{f}": m for f, m in exc.errors.items()}
            ) from exc


@router.post(
    "/plans",
    response=writes(PlanOut, status=201),
    operation_id="plans_create",
    summary="Create a service plan",
)
@idempotent
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[Any]:
    require_staff(request, "create plans")
    calendars = calendars_for(request.user)
    with transaction.atomic():
        calendar = reference(calendars, payload.calendar, "calendar")
        rows = target_rows(payload.targets, calendars, "targets")
        plan = services.create_plan(
            name=payload.name,
            code=payload.code,
            calendar=calendar,  # type: ignore[arg-type]
            description=payload.description,
            priority_matrix=payload.priority_matrix,
            priority_names=payload.priority_names,
        )
        _set_targets(plan, rows)
    return Status(201, plans_for(request.user).get(pk=plan.pk))


@router.get(
    "/plans/{plan_id}",
    response=reads(PlanOut, 404, 422),
    operation_id="plans_get",
    summary="Get a service plan",
)
def get_plan(request: HttpRequest, plan_id: Id) -> Any:
    return get_or_404(plans_for(request.user), plan_id)


@router.put(
    "/plans/{plan_id}/targets",
    response=writes(PlanOut, 404),
    operation_id="plans_set_target",
    summary="Set one target of a service plan",
)
def set_plan_target(request: HttpRequest, plan_id: Id, payload: TargetIn) -> Any:
    """Sets one (priority, metric, category) target of the plan (created or replaced;
    ``category`` "" = any category)."""
    plan = get_or_404(plans_for(request.user), plan_id)
    require_staff(request, "edit plans")
    with transaction.atomic():
        row = payload.dict()
        row["calendar"] = reference(calendars_for(request.user), payload.calendar, "calendar")
        ticket_services.set_plan_target(plan=plan, **row)
    return plans_for(request.user).get(pk=plan.pk)
