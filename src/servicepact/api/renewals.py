"""Renewal proposals: prepared by staff, sent by a manager, answered by the customer.

    GET  /renewals                 list (filters: contract, status)
    GET  /renewals/risk            the contracts renewing in the next 120 days, scored (staff)
    GET  /renewals/{id}
    POST /renewals                 prepare (staff)  {contract, end_date, fee_amount, plan,
                                   included_hours, note}
    POST /renewals/{id}/send       a manager (403 otherwise); the contacts are told
    POST /renewals/{id}/accept     the customer's contact; the contract is renewed
    POST /renewals/{id}/decline    the customer's contact  {note}
    POST /renewals/{id}/withdraw   staff

A contact sees its own customer's proposals once sent (404 for another's, or for one the
provider has not sent yet); a wrong state is a 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
    status_filter,
)
from servicepact.billing import renewals
from servicepact.billing.choices import RenewalStatus
from servicepact.billing.models import RenewalProposal
from servicepact.billing.renewal_risk import renewal_risks
from servicepact.contracts.models import ServicePlan
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    Id,
    Text,
    idempotent,
    model_decimal,
    reads,
    writes,
)
from servicepact.core.time import now

router = Router(tags=["renewals"])


class RenewalPlanRef(Schema):
    id: int
    code: str
    name: str


class RenewalOut(Schema):
    id: int
    contract: int
    contract_number: str
    start_date: dt.date
    end_date: dt.date
    fee_amount: Decimal
    currency: str
    plan: RenewalPlanRef | None  # the new tier; None: unchanged
    included_hours: Decimal | None  # per fee period; None: unchanged
    note: str
    summary: dict[str, Any]
    status: str
    prepared_at: dt.datetime
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None
    answer_note: str
    version: int | None
    allowed: list[str]


class RenewalList(ListOut):
    items: list[RenewalOut]


class RenewalFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: Text | None = None


class RenewalIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    end_date: dt.date
    fee_amount: Decimal
    plan: int | None = Field(None, ge=1, le=MAX_DB_INT)  # a new tier (service plan)
    included_hours: Annotated[Decimal, model_decimal(RenewalProposal, "included_hours")] | None = (
        None
    )
    note: Text = ""


class NoteIn(ApiIn):
    note: Text = ""


class ReasonOut(Schema):
    code: str
    weight: int
    text: str


class RiskOut(Schema):
    contract: int
    contract_number: str
    customer: str
    end_date: dt.date
    days_left: int
    score: int
    reasons: list[ReasonOut]


class RiskList(Schema):
    items: list[RiskOut]


def render_renewal(proposal: RenewalProposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "contract": proposal.contract_id,
        "contract_number": proposal.contract.number,
        "start_date": proposal.start_date,
        "end_date": proposal.end_date,
        "fee_amount": proposal.fee_amount,
        "currency": proposal.contract.fee_currency,
        "plan": None
        if proposal.plan is None
        else {"id": proposal.plan.pk, "code": proposal.plan.code, "name": proposal.plan.name},
        "included_hours": proposal.included_hours,
        "note": proposal.note,
        "summary": proposal.summary,
        "status": proposal.status,
        "prepared_at": proposal.prepared_at,
        "sent_at": proposal.sent_at,
        "answered_at": proposal.answered_at,
        "answer_note": proposal.answer_note,
        "version": proposal.version.number if proposal.version else None,
        "allowed": sorted(renewals.RENEWAL_ACTIONS.get(proposal.status, frozenset())),
    }


@router.get(
    "/renewals",
    response=reads(RenewalList, 422),
    operation_id="renewals_list",
    summary="List renewal proposals (tenancy-scoped)",
)
def list_renewals(request: HttpRequest, filters: Query[RenewalFilters]) -> dict[str, Any]:
    qs = renewals.renewals_visible(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    qs = status_filter(qs, filters.status, RenewalStatus.values)
    return rendered_page(qs, filters, render_renewal)


@router.get(
    "/renewals/risk",
    response=reads(RiskList, 403),
    operation_id="renewals_risk",
    summary="Renewal risk of the contracts renewing in the next 120 days (staff)",
)
def risk(request: HttpRequest) -> dict[str, Any]:
    require_staff(request, "read renewal risk")
    rows = renewal_risks(now=now())
    return {
        "items": [
            {
                "contract": r.contract.pk,
                "contract_number": r.contract.number,
                "customer": r.contract.customer.name,
                "end_date": r.contract.end_date,
                "days_left": r.days_left,
                "score": r.score,
                "reasons": [
                    {"code": x.code, "weight": x.weight, "text": x.text} for x in r.reasons
                ],
            }
            for r in rows
        ]
    }


@router.get(
    "/renewals/{renewal_id}",
    response=reads(RenewalOut, 404, 422),
    operation_id="renewals_get",
    summary="A renewal proposal",
)
def get_renewal(request: HttpRequest, renewal_id: Id) -> dict[str, Any]:
    return render_renewal(get_or_404(renewals.renewals_visible(request.user), renewal_id))


@router.post(
    "/renewals",
    response=writes(RenewalOut, 404, 409, status=201),
    operation_id="renewals_prepare",
    summary="Prepare a renewal proposal (staff)",
)
@idempotent
def prepare(request: HttpRequest, payload: RenewalIn) -> Status[Any]:
    require_staff(request, "prepare renewals")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    assert contract is not None
    proposal = renewals.prepare_renewal(
        contract=contract,
        end_date=payload.end_date,
        fee_amount=payload.fee_amount,
        note=payload.note,
        actor=request.user,
        plan=reference(ServicePlan.objects.all(), payload.plan, "plan"),
        included_hours=payload.included_hours,
    )
    visible = renewals.renewals_visible(request.user)
    return Status(201, render_renewal(get_or_404(visible, proposal.pk)))


def _act(
    request: HttpRequest, renewal_id: int, act: Callable[[RenewalProposal], Any]
) -> dict[str, Any]:
    visible = renewals.renewals_visible(request.user)
    act(get_or_404(visible, renewal_id))
    return render_renewal(get_or_404(visible, renewal_id))


@router.post(
    "/renewals/{renewal_id}/send",
    response=writes(RenewalOut, 404, 409),
    operation_id="renewals_send",
    summary="Approve internally and send to the customer (service manager, billing)",
)
def send(request: HttpRequest, renewal_id: Id) -> dict[str, Any]:
    return _act(
        request, renewal_id, lambda p: renewals.send_renewal(proposal=p, actor=request.user)
    )


@router.post(
    "/renewals/{renewal_id}/accept",
    response=writes(RenewalOut, 404, 409),
    operation_id="renewals_accept",
    summary="Accept (the customer's contact): the contract is renewed",
)
def accept(request: HttpRequest, renewal_id: Id, payload: NoteIn) -> dict[str, Any]:
    return _act(
        request,
        renewal_id,
        lambda p: renewals.accept_renewal(proposal=p, actor=request.user, note=payload.note),
    )


@router.post(
    "/renewals/{renewal_id}/decline",
    response=writes(RenewalOut, 404, 409),
    operation_id="renewals_decline",
    summary="Decline (the customer's contact)",
)
def decline(request: HttpRequest, renewal_id: Id, payload: NoteIn) -> dict[str, Any]:
    return _act(
        request,
        renewal_id,
        lambda p: renewals.decline_renewal(proposal=p, actor=request.user, note=payload.note),
    )


@router.post(
    "/renewals/{renewal_id}/withdraw",
    response=writes(RenewalOut, 404, 409),
    operation_id="renewals_withdraw",
    summary="Withdraw a proposal not yet answered (staff)",
)
def withdraw(request: HttpRequest, renewal_id: Id) -> dict[str, Any]:
    return _act(
        request, renewal_id, lambda p: renewals.withdraw_renewal(proposal=p, actor=request.user)
    )
