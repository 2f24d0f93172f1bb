"""Service plans: a catalogue tier with default targets, calendar and priority policy."""

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
    get_or_404,
    page,
    reference,
    require_staff,
)
from servicepact.api.terms import (
    TargetIn,
    TargetOut,
    render_target,
    sorted_targets,
    target_rows,
)
from servicepact.contracts import services
from servicepact.contracts.models import ServicePlan
from servicepact.contracts.selectors import calendars_for, plans_for
from servicepact.core.errors import DomainValidationError

router = Router(tags=["plans"])


class PlanIn(Schema):
    name: str
    code: str
    description: str = ""
    calendar: int
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
    targets: list[TargetOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_targets(obj: ServicePlan) -> list[Any]:
        return [render_target(t) for t in sorted_targets(list(obj.targets.all()))]


class PlanList(ListOut):
    items: list[PlanOut]
    count: int


@router.get("/plans", response=PlanList)
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


@router.post("/plans", response={201: PlanOut})
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


@router.get("/plans/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return get_or_404(plans_for(request.user), plan_id)


@router.put("/plans/{plan_id}/targets", response=PlanOut)
def set_plan_target(request: HttpRequest, plan_id: int, payload: TargetIn) -> Any:
    """Sets one (priority, metric) target of the plan (created or replaced)."""
    plan = get_or_404(plans_for(request.user), plan_id)
    require_staff(request, "edit plans")
    with transaction.atomic():
        row = payload.dict()
        row["calendar"] = reference(calendars_for(request.user), payload.calendar, "calendar")
        services.set_target(plan=plan, **row)
    return plans_for(request.user).get(pk=plan.pk)
