"""Fee adjustments: proposed by staff, approved by a manager, answered by the customer.

    GET  /fee-changes                list (filters: contract, status)
    GET  /fee-changes/{id}
    POST /fee-changes                propose (staff)  {contract, fee_amount, included_hours,
                                     effective_from (any day: a change inside a month splits it pro rata), reason}
    POST /fee-changes/{id}/approve   a manager (403 otherwise)
    POST /fee-changes/{id}/accept    the customer's contact; becomes a contract version
    POST /fee-changes/{id}/decline   the customer's contact  {note}
    POST /fee-changes/{id}/withdraw  staff

A contact sees its own customer's changes once approved (404 for another's, or for a
proposal the provider has not approved yet); a wrong state is a 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
    status_filter,
)
from servicepact.billing import commercial
from servicepact.billing.choices import FeeChangeStatus
from servicepact.billing.hours import fee_changes_visible
from servicepact.billing.models import FeeChange
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, Text, idempotent, reads, writes

router = Router(tags=["fee-changes"])


class FeeChangeOut(Schema):
    id: int
    contract: int
    fee_amount: Decimal
    currency: str
    included_hours: Decimal
    effective_from: dt.date
    reason: str
    status: str
    proposed_at: dt.datetime
    approved_at: dt.datetime | None
    answered_at: dt.datetime | None
    answer_note: str
    version: int | None
    allowed: list[str]


class FeeChangeList(ListOut):
    items: list[FeeChangeOut]


class FeeChangeFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: Text | None = None


class FeeChangeIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    fee_amount: Decimal
    included_hours: Decimal
    effective_from: dt.date
    reason: Text


class NoteIn(ApiIn):
    note: Text = ""


def fee_changes_for(user: Any) -> Any:
    return fee_changes_visible(user).select_related("contract__customer")


def render_change(change: FeeChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "contract": change.contract_id,
        "fee_amount": change.fee_amount,
        "currency": change.contract.fee_currency,
        "included_hours": change.included_hours,
        "effective_from": change.effective_from,
        "reason": change.reason_text,
        "status": change.status,
        "proposed_at": change.proposed_at,
        "approved_at": change.approved_at,
        "answered_at": change.answered_at,
        "answer_note": change.answer_note,
        "version": change.version.number if change.version else None,
        "allowed": sorted(commercial.FEE_CHANGE_ACTIONS.get(change.status, frozenset())),
    }


@router.get(
    "/fee-changes",
    response=reads(FeeChangeList, 422),
    operation_id="fee_changes_list",
    summary="List fee changes (tenancy-scoped)",
)
def list_changes(request: HttpRequest, filters: Query[FeeChangeFilters]) -> dict[str, Any]:
    qs = fee_changes_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    qs = status_filter(qs, filters.status, FeeChangeStatus.values)
    return rendered_page(qs.order_by("-proposed_at", "-id"), filters, render_change)


@router.get(
    "/fee-changes/{change_id}",
    response=reads(FeeChangeOut, 404, 422),
    operation_id="fee_changes_get",
    summary="A fee change",
)
def get_change(request: HttpRequest, change_id: Id) -> dict[str, Any]:
    return render_change(get_or_404(fee_changes_for(request.user), change_id))


@router.post(
    "/fee-changes",
    response=writes(FeeChangeOut, 404, status=201),
    operation_id="fee_changes_propose",
    summary="Propose a fee change (staff)",
)
@idempotent
def propose(request: HttpRequest, payload: FeeChangeIn) -> Status[Any]:
    require_staff(request, "propose fee changes")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    assert contract is not None
    change = commercial.propose_fee_change(
        contract=contract,
        fee_amount=payload.fee_amount,
        included_hours=payload.included_hours,
        effective_from=payload.effective_from,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return Status(201, render_change(get_or_404(fee_changes_for(request.user), change.pk)))


def _act(request: HttpRequest, change_id: int, act: Callable[[FeeChange], Any]) -> dict[str, Any]:
    change = get_or_404(fee_changes_for(request.user), change_id)
    act(change)
    return render_change(get_or_404(fee_changes_for(request.user), change_id))


@router.post(
    "/fee-changes/{change_id}/approve",
    response=writes(FeeChangeOut, 404, 409),
    operation_id="fee_changes_approve",
    summary="Approve internally (service manager, billing); the customer is asked",
)
def approve(request: HttpRequest, change_id: Id) -> dict[str, Any]:
    return _act(
        request,
        change_id,
        lambda c: commercial.approve_fee_change(change=c, actor=actor_of(request)),
    )


@router.post(
    "/fee-changes/{change_id}/accept",
    response=writes(FeeChangeOut, 404, 409),
    operation_id="fee_changes_accept",
    summary="Accept (the customer's contact): becomes a contract version",
)
def accept(request: HttpRequest, change_id: Id, payload: NoteIn) -> dict[str, Any]:
    return _act(
        request,
        change_id,
        lambda c: commercial.accept_fee_change(
            change=c, actor=actor_of(request), note=payload.note
        ),
    )


@router.post(
    "/fee-changes/{change_id}/decline",
    response=writes(FeeChangeOut, 404, 409),
    operation_id="fee_changes_decline",
    summary="Decline (the customer's contact)",
)
def decline(request: HttpRequest, change_id: Id, payload: NoteIn) -> dict[str, Any]:
    return _act(
        request,
        change_id,
        lambda c: commercial.decline_fee_change(
            change=c, actor=actor_of(request), note=payload.note
        ),
    )


@router.post(
    "/fee-changes/{change_id}/withdraw",
    response=writes(FeeChangeOut, 404, 409),
    operation_id="fee_changes_withdraw",
    summary="Withdraw a change not yet answered (staff)",
)
def withdraw(request: HttpRequest, change_id: Id) -> dict[str, Any]:
    return _act(
        request,
        change_id,
        lambda c: commercial.withdraw_fee_change(change=c, actor=actor_of(request)),
    )
