"""Contract actions beside the contract resource: force majeure and manual renewal.

GET  /contracts/{id}/force-majeure   the declarations (a contact: its own contracts)
POST /contracts/{id}/force-majeure   service managers and billing (403 otherwise)
POST /contracts/{id}/renew           staff (403); 409 unless manual and active/in grace
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import UserRef, get_or_404, reference, require_staff, user_ref
from servicepact.api.contracts import ContractDetail, render_detail
from servicepact.billing.models import ForceMajeure
from servicepact.billing.periods import Period
from servicepact.billing.services import declare_force_majeure, require_manager
from servicepact.contracts.selectors import contracts_with_terms_for, get_contract
from servicepact.contracts.services import renew_contract
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, idempotent, reads, writes
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["contracts"])


class ForceMajeureIn(ApiIn):
    """A ticket, or a period: ``month`` (YYYY-MM in the customer's zone) or both instants."""

    reason: str
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    month: str | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class TicketRef(Schema):
    id: int
    number: str


class ForceMajeureOut(Schema):
    id: int
    contract: int
    ticket: TicketRef | None
    starts_at: datetime | None
    ends_at: datetime | None
    reason: str
    flagged_by: UserRef | None
    flagged_at: datetime


class ForceMajeureList(Schema):
    items: list[ForceMajeureOut]
    count: int


class RecomputedCredit(Schema):
    id: int
    period: str
    computed_amount: Decimal
    currency: str


class ForceMajeureCreated(ForceMajeureOut):
    recomputed_credits: list[RecomputedCredit]


class RenewIn(ApiIn):
    end_date: date
    fee_amount: Decimal | None = None
    reason: str = ""


def render_force_majeure(flag: ForceMajeure) -> dict[str, Any]:
    ticket = flag.ticket
    return {
        "id": flag.pk,
        "contract": flag.contract_id,
        "ticket": {"id": ticket.pk, "number": ticket.number} if ticket is not None else None,
        "starts_at": flag.starts_at,
        "ends_at": flag.ends_at,
        "reason": flag.reason,
        "flagged_by": user_ref(flag.flagged_by),
        "flagged_at": flag.flagged_at,
    }


@router.get(
    "/contracts/{contract_id}/force-majeure",
    response=reads(ForceMajeureList, 404, 422),
    operation_id="contracts_force_majeure_list",
    summary="List a contract's force-majeure declarations",
)
def list_force_majeure(request: HttpRequest, contract_id: Id) -> dict[str, Any]:
    contract = get_contract(request.user, contract_id)
    flags = ForceMajeure.objects.filter(contract=contract).select_related("ticket", "flagged_by")
    items = [render_force_majeure(f) for f in flags.order_by("flagged_at", "id")]
    return {"items": items, "count": len(items)}


@router.post(
    "/contracts/{contract_id}/force-majeure",
    response=writes(ForceMajeureCreated, 404, 409, status=201),
    operation_id="contracts_force_majeure_declare",
    summary="Declare force majeure (service manager, billing)",
)
@idempotent
def post_force_majeure(
    request: HttpRequest, contract_id: Id, payload: ForceMajeureIn
) -> Status[Any]:
    """Breaches of the ticket, or of tickets opened or breached in the period, earn no credit;
    unplanned downtime in the period leaves the availability credit. The stored credits of
    the months it touches are recomputed while still computed (listed in the answer)."""
    contract = get_contract(request.user, contract_id)
    require_manager(actor_of(request), "declare force majeure")  # 403 before any input check
    ticket = reference(
        tickets_for(request.user).filter(contract=contract), payload.ticket, "ticket"
    )
    starts_at, ends_at = payload.starts_at, payload.ends_at
    if payload.month:
        if starts_at is not None or ends_at is not None:
            raise DomainValidationError(
                {"month": [_("give a month or starts_at/ends_at, not both")]}
            )
        starts_at, ends_at = Period.parse(payload.month, field="month").bounds(
            contract.customer.timezone
        )
    flag, recomputed = declare_force_majeure(
        contract=contract,
        actor=actor_of(request),
        reason=payload.reason,
        ticket=ticket,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    stored = ForceMajeure.objects.select_related("ticket", "flagged_by").get(pk=flag.pk)
    body = render_force_majeure(stored)  # instants as stored (UTC)
    body["recomputed_credits"] = [
        {
            "id": c.pk,
            "period": c.period,
            "computed_amount": c.computed_amount,
            "currency": c.currency,
        }
        for c in recomputed
    ]
    return Status(201, body)


@router.post(
    "/contracts/{contract_id}/renew",
    response=writes(ContractDetail, 404, 409, status=201),
    operation_id="contracts_renew",
    summary="Renew a manually renewing contract (staff)",
)
@idempotent
def post_renew(request: HttpRequest, contract_id: Id, payload: RenewIn) -> Status[Any]:
    """A new term until ``end_date`` (after the current end), as a new version in force from
    the day after the current end, with a ``renewed`` event; ``fee_amount`` optional."""
    contract = get_contract(request.user, contract_id)
    require_staff(request, "renew contracts")
    renew_contract(
        contract=contract,
        end_date=payload.end_date,
        fee_amount=payload.fee_amount,
        reason=payload.reason,
        actor=actor_of(request),
    )
    renewed = get_or_404(contracts_with_terms_for(request.user), contract_id)
    return Status(201, render_detail(renewed, now()))
