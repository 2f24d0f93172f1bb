"""Contract-end plans and the exit archive (docs/contract-end.md).

GET  /contract-end/plans                    list (filters: contract, unconfirmed) — tenancy
GET  /contract-end/plans/{id}               the checklist: dates, backups per asset, steps
POST /contract-end/plans/{id}/confirm       the customer's contact confirms its export
POST /contract-end/plans/{id}/steps/{code}  staff: an exit step done {note, outcome?}
GET  /contracts/{id}/exit-archive           the zip of everything (streamed)
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from servicepact.accounts.actors import actor_of
from servicepact.api.common import ListOut, PageQuery, get_or_404, rendered_page
from servicepact.contractend import services
from servicepact.contractend.archive import archive_filename, stream_exit_archive
from servicepact.contractend.backups import last_verified_backups
from servicepact.contractend.choices import StepCode
from servicepact.contractend.models import ContractEndPlan
from servicepact.contractend.selectors import plans_for, unconfirmed_plans
from servicepact.contracts.selectors import get_contract
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, reads, writes

router = Router(tags=["contract end"])


class EndStepOut(Schema):
    code: str
    label: str
    due_on: dt.date
    done_at: dt.datetime | None
    outcome: str
    note: str
    evidence_name: str


class BackupOut(Schema):
    asset: str
    verified_at: dt.datetime | None
    taken_at: dt.datetime | None
    location: str
    source: str


class EndPlanOut(Schema):
    id: int
    contract: int
    contract_number: str
    customer: str
    ends_on: dt.date
    reason: str
    phase: str
    status: str
    delete_after: dt.date
    export_confirmed_at: dt.datetime | None
    export_note: str
    steps: list[EndStepOut]
    archive: str


class PlanDetail(EndPlanOut):
    backups: list[BackupOut]


class EndPlanList(ListOut):
    items: list[EndPlanOut]


class PlanFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    unconfirmed: bool = False


class ConfirmIn(ApiIn):
    note: Annotated[str, Field(max_length=500)] = ""


class EndStepIn(ApiIn):
    note: Annotated[str, Field(min_length=1, max_length=services.NOTE_MAX)]
    outcome: Literal["handed_over", "deleted", ""] = ""


def render_plan(plan: ContractEndPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "contract": plan.contract_id,
        "contract_number": plan.contract.number,
        "customer": plan.contract.customer.name,
        "ends_on": plan.ends_on,
        "reason": plan.reason,
        "phase": plan.phase,
        "status": plan.status,
        "delete_after": plan.delete_after,
        "export_confirmed_at": plan.export_confirmed_at,
        "export_note": plan.export_note,
        "steps": [
            {
                "code": s.code,
                "label": str(s.get_code_display()),
                "due_on": s.due_on,
                "done_at": s.done_at,
                "outcome": s.outcome,
                "note": s.note,
                "evidence_name": s.evidence_name,
            }
            for s in plan.steps.all()
        ],
        "archive": f"/api/v1/contracts/{plan.contract_id}/exit-archive",
    }


def render_detail(plan: ContractEndPlan) -> dict[str, Any]:
    backups = [
        {
            "asset": row.asset.hostname,
            "verified_at": row.last.verified_at if row.last else None,
            "taken_at": row.last.taken_at if row.last else None,
            "location": row.last.location if row.last else "",
            "source": row.last.source if row.last else "",
        }
        for row in last_verified_backups(plan.contract)
    ]
    return {**render_plan(plan), "backups": backups}


@router.get(
    "/contract-end/plans",
    response=reads(EndPlanList, 422),
    operation_id="contract_end_plans_list",
    summary="Contract-end plans (tenancy-scoped); ?unconfirmed=true: exports not confirmed (staff)",
)
def list_plans(request: HttpRequest, filters: Query[PlanFilters]) -> Any:
    qs = unconfirmed_plans(request.user) if filters.unconfirmed else plans_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    return rendered_page(qs.prefetch_related("steps"), filters, render_plan)


@router.get(
    "/contract-end/plans/{plan_id}",
    response=reads(PlanDetail, 404, 422),
    operation_id="contract_end_plans_get",
    summary="A contract-end checklist: dates, last verified backup per asset, exit steps",
)
def get_plan(request: HttpRequest, plan_id: Id) -> Any:
    return render_detail(get_or_404(plans_for(request.user), plan_id))


@router.post(
    "/contract-end/plans/{plan_id}/confirm",
    response=writes(EndPlanOut, 404, 409),
    operation_id="contract_end_plans_confirm",
    summary="The customer confirms it has exported its data",
)
def confirm(request: HttpRequest, plan_id: Id, body: ConfirmIn) -> Any:
    plan = get_or_404(plans_for(request.user), plan_id)
    return render_plan(services.confirm_export(plan=plan, actor=actor_of(request), note=body.note))


@router.post(
    "/contract-end/plans/{plan_id}/steps/{code}",
    response=writes(EndPlanOut, 404, 409),
    operation_id="contract_end_plans_step",
    summary="An exit step done, with its evidence note (staff; files via the desk)",
)
def complete(
    request: HttpRequest,
    plan_id: Id,
    code: Literal["export_delivered", "backups", "access_revoked", "documents_returned"],
    body: EndStepIn,
) -> Any:
    plan = get_or_404(plans_for(request.user), plan_id)
    services.complete_step(
        plan=plan,
        code=StepCode(code),
        actor=actor_of(request),
        note=body.note,
        outcome=body.outcome,
    )
    plan.refresh_from_db()
    return render_plan(plan)


@router.get(
    "/contracts/{contract_id}/exit-archive",
    response=reads(None, 404, 422),
    openapi_extra={
        "responses": {
            200: {
                "description": "The zip (layout: docs/contract-end.md)",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    operation_id="contract_exit_archive",
    summary="One zip with every ticket, comment, file, statement, charge and audit export",
)
def exit_archive(request: HttpRequest, contract_id: Id) -> Any:
    contract = get_contract(request.user, contract_id)
    response = StreamingHttpResponse(stream_exit_archive(contract), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive_filename(contract)}"'
    return response
