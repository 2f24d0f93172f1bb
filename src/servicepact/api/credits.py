"""Service credits of a contract's month: read, and decided through the billing services.

    GET  /credits                  list (filters: contract, period, status)
    GET  /credits/{id}             detail with lines (and, for staff, the audit trail)
    POST /credits/{id}/approve     computed -> approved          {reason}
    POST /credits/{id}/adjust      -> adjusted                   {amount, reason}
    POST /credits/{id}/apply       approved | adjusted -> applied {reason}

Deciding is for service managers and billing staff (403, as the desk); a refused transition
is a 409 and bad input a 422, each from the service. A contact reads only its own customer's
credits (another's is a 404) and may not decide (403).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    UserRef,
    get_or_404,
    query_error,
    rendered_page,
    status_filter,
    user_ref,
)
from servicepact.api.statements import ContractRef
from servicepact.billing import services as billing
from servicepact.billing.choices import CreditStatus
from servicepact.billing.models import PeriodCredit
from servicepact.billing.periods import Period
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, Text, reads, writes
from servicepact.core.errors import DomainValidationError
from servicepact.customers.selectors import is_staff, scope_to_customer

router = Router(tags=["credits"])


class CreditLineOut(Schema):
    position: int
    rule: str
    description: str
    percent: Decimal
    amount: Decimal
    ticket: int | None
    ticket_number: str
    metric: str
    priority: int | None
    excluded: bool
    exclusion_reason: str


class CreditAuditOut(Schema):
    at: datetime
    actor: str
    action: str
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any]


class CreditOut(Schema):
    id: int
    contract: ContractRef
    period: str
    status: str
    currency: str
    monthly_fee: Decimal
    computed_percent: Decimal
    computed_amount: Decimal
    approved_amount: Decimal | None
    amount_due: Decimal
    cap: Decimal | None
    claim_deadline: date | None
    computed_at: datetime
    decided_by: UserRef | None
    decided_at: datetime | None
    applied_at: datetime | None


class CreditDetail(CreditOut):
    lines: list[CreditLineOut]
    audit: list[CreditAuditOut] | None


class CreditList(ListOut):
    items: list[CreditOut]


class CreditFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    period: Text | None = None
    status: Text | None = None


class CreditReasonIn(ApiIn):
    reason: str = ""


class AdjustIn(ApiIn):
    amount: Decimal
    reason: str = ""


def credits_for(user: Any) -> Any:
    return scope_to_customer(
        PeriodCredit.objects.select_related("contract", "contract__customer", "decided_by"),
        user,
        field="contract__customer",
    )


def render_credit(credit: PeriodCredit) -> dict[str, Any]:
    return {
        "id": credit.pk,
        "contract": {"id": credit.contract_id, "number": credit.contract.number},
        "period": credit.period,
        "status": credit.status,
        "currency": credit.currency,
        "monthly_fee": credit.monthly_fee,
        "computed_percent": credit.computed_percent,
        "computed_amount": credit.computed_amount,
        "approved_amount": credit.approved_amount,
        "amount_due": credit.amount_due,
        "cap": billing.credit_cap(credit),
        "claim_deadline": credit.claim_deadline,
        "computed_at": credit.computed_at,
        "decided_by": user_ref(credit.decided_by),
        "decided_at": credit.decided_at,
        "applied_at": credit.applied_at,
    }


def render_detail(credit: PeriodCredit, staff: bool) -> dict[str, Any]:
    lines = [
        {
            "position": x.position,
            "rule": x.rule,
            "description": x.description,
            "percent": x.percent,
            "amount": x.amount,
            "ticket": x.ticket_id,
            "ticket_number": x.ticket_number,
            "metric": x.metric,
            "priority": x.priority,
            "excluded": x.excluded,
            "exclusion_reason": x.exclusion_reason,
        }
        for x in credit.lines.all()
    ]
    audit = None
    if staff:
        audit = [
            {
                "at": a.at,
                "actor": a.actor_name,
                "action": a.action,
                "reason": a.reason,
                "before": a.before,
                "after": a.after,
            }
            for a in credit.audit.order_by("at", "id")
        ]
    return {**render_credit(credit), "lines": lines, "audit": audit}


@router.get(
    "/credits",
    response=reads(CreditList, 422),
    operation_id="credits_list",
    summary="List service credits (tenancy-scoped)",
)
def list_credits(request: HttpRequest, filters: Query[CreditFilters]) -> dict[str, Any]:
    """Newest period first."""
    qs = credits_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.period:
        try:
            qs = qs.filter(period=str(Period.parse(filters.period)))
        except DomainValidationError as exc:
            raise query_error("period", exc.errors["period"][0]) from None
    qs = status_filter(qs, filters.status, CreditStatus.values)
    qs = qs.order_by("-period", "contract__number", "id")
    return rendered_page(qs, filters, render_credit)


@router.get(
    "/credits/{credit_id}",
    response=reads(CreditDetail, 404, 422),
    operation_id="credits_get",
    summary="A month's service credits with their decision",
)
def get_credit(request: HttpRequest, credit_id: Id) -> dict[str, Any]:
    credit = get_or_404(credits_for(request.user), credit_id)
    return render_detail(credit, is_staff(request.user))


def _decide(
    request: HttpRequest, credit_id: Id, decide: Callable[[PeriodCredit], Any]
) -> dict[str, Any]:
    credit = get_or_404(credits_for(request.user), credit_id)
    decide(credit)
    return render_detail(get_or_404(credits_for(request.user), credit_id), is_staff(request.user))


@router.post(
    "/credits/{credit_id}/approve",
    response=writes(CreditDetail, 404, 409),
    operation_id="credits_approve",
    summary="Approve the computed credits (service manager, billing)",
)
def approve_credit(request: HttpRequest, credit_id: Id, payload: CreditReasonIn) -> dict[str, Any]:
    return _decide(
        request,
        credit_id,
        lambda c: billing.approve_credits(credit=c, actor=actor_of(request), reason=payload.reason),
    )


@router.post(
    "/credits/{credit_id}/adjust",
    response=writes(CreditDetail, 404, 409),
    operation_id="credits_adjust",
    summary="Adjust the credits, within the cap (service manager, billing)",
)
def adjust_credit(request: HttpRequest, credit_id: Id, payload: AdjustIn) -> dict[str, Any]:
    return _decide(
        request,
        credit_id,
        lambda c: billing.adjust_credits(
            credit=c, actor=actor_of(request), amount=payload.amount, reason=payload.reason
        ),
    )


@router.post(
    "/credits/{credit_id}/apply",
    response=writes(CreditDetail, 404, 409),
    operation_id="credits_apply",
    summary="Mark the credits applied (service manager, billing)",
)
def apply_credit(request: HttpRequest, credit_id: Id, payload: CreditReasonIn) -> dict[str, Any]:
    return _decide(
        request,
        credit_id,
        lambda c: billing.mark_applied(credit=c, actor=actor_of(request), reason=payload.reason),
    )
