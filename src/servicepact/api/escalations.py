"""Escalation policies (read-only): the thresholds of a plan's or a contract's clocks and
what each triggers. Provider configuration: staff only (403).

    GET /escalation-policies          list (filters: plan, contract)
    GET /escalation-policies/{id}     one policy with its steps
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from servicepact.api.common import (
    ListOut,
    PageQuery,
    Ref,
    get_or_404,
    rendered_page,
    require_staff,
)
from servicepact.contracts.escalation import EscalationPolicy, EscalationStep
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, reads

router = Router(tags=["escalations"])


class StepOut(Schema):
    percent: int
    notify_assignee: bool
    notify_team: bool
    notify_service_manager: bool
    notify_customer: bool
    raise_priority: bool
    reassign_team: Ref | None


class PolicyOut(Schema):
    id: int
    plan: int | None
    contract: int | None
    steps: list[StepOut]


class PolicyList(ListOut):
    items: list[PolicyOut]


class PolicyFilters(PageQuery, ApiIn):
    plan: int | None = Field(None, ge=1, le=MAX_DB_INT)
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)


def _policies() -> Any:
    return EscalationPolicy.objects.prefetch_related("steps__reassign_team").order_by("id")


def render_step(step: EscalationStep) -> dict[str, Any]:
    team = step.reassign_team
    return {
        "percent": step.percent,
        "notify_assignee": step.notify_assignee,
        "notify_team": step.notify_team,
        "notify_service_manager": step.notify_service_manager,
        "notify_customer": step.notify_customer,
        "raise_priority": step.raise_priority,
        "reassign_team": {"id": team.pk, "name": team.name} if team is not None else None,
    }


def render_policy(policy: EscalationPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "plan": policy.plan_id,
        "contract": policy.contract_id,
        "steps": [render_step(s) for s in policy.steps.all()],
    }


@router.get(
    "/escalation-policies",
    response=reads(PolicyList, 403, 422),
    operation_id="escalation_policies_list",
    summary="List escalation policies (staff)",
)
def list_policies(request: HttpRequest, filters: Query[PolicyFilters]) -> dict[str, Any]:
    require_staff(request, "read escalation policies")
    qs = _policies()
    if filters.plan is not None:
        qs = qs.filter(plan_id=filters.plan)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    return rendered_page(qs, filters, render_policy)


@router.get(
    "/escalation-policies/{policy_id}",
    response=reads(PolicyOut, 403, 404, 422),
    operation_id="escalation_policies_get",
    summary="An escalation policy (staff)",
)
def get_policy(request: HttpRequest, policy_id: Id) -> dict[str, Any]:
    require_staff(request, "read escalation policies")
    return render_policy(get_or_404(_policies(), policy_id))
