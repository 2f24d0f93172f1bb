"""Period charges and the hours ledger.

    GET  /charges                   list (filters: contract, period, status)
    GET  /charges/{id}              detail with lines; ``?format=csv|pdf|html`` downloads
    POST /charges/{id}/approve      draft -> final (service manager, billing)
    GET  /hours?contract=           the contract's hours ledger (immutable entries, running
                                    balance); ``?format=csv`` downloads it
    POST /hours/adjustments         a signed correction with its reason (manager)
    POST /hours/conversions         request maintenance -> project hours (staff)
    POST /hours/conversions/{id}/approve | /reject   (manager)

A contact reads only its own customer's rows (another's is a 404) and writes nothing (403).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    query_error,
    reference,
    rendered_page,
    require_staff,
    status_filter,
)
from servicepact.api.statements import ContractRef
from servicepact.billing import charge_formats
from servicepact.billing.charges import charge_snapshot, charges_for, download
from servicepact.billing.choices import Bucket, ChargeStatus
from servicepact.billing.commercial import (
    adjust_hours,
    approve_charge,
    decide_conversion,
    request_conversion,
)
from servicepact.billing.hours import LEDGER_HEADER, entries_for, ledger_csv, ledger_rows
from servicepact.billing.models import HoursConversion
from servicepact.billing.periods import Period
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, Text, idempotent, reads, writes
from servicepact.core.errors import DomainValidationError

router = Router(tags=["charges"])
FORMATS = ("csv", "pdf", "html")


class ChargeLineOut(Schema):
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal


class ChargeOut(Schema):
    id: int
    contract: ContractRef
    customer: str
    period: str
    status: str
    currency: str
    total: Decimal
    hours: dict[str, str]
    computed_at: datetime
    approved_at: datetime | None
    lines: list[ChargeLineOut]


class ChargeList(ListOut):
    items: list[ChargeOut]


class ChargeFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    period: Text | None = None
    status: Text | None = None


class DownloadQuery(ApiIn):
    format: Text | None = None


def _period(text: str) -> str:
    try:
        return str(Period.parse(text))
    except DomainValidationError as exc:
        raise query_error("period", exc.errors["period"][0]) from None


@router.get(
    "/charges",
    response=reads(ChargeList, 422),
    operation_id="charges_list",
    summary="List period charges (tenancy-scoped)",
)
def list_charges(request: HttpRequest, filters: Query[ChargeFilters]) -> dict[str, Any]:
    qs = charges_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.period:
        qs = qs.filter(period=_period(filters.period))
    qs = status_filter(qs, filters.status, ChargeStatus.values)
    return rendered_page(qs.order_by("-period", "contract__number", "id"), filters, charge_snapshot)


@router.get(
    "/charges/{charge_id}",
    response=reads(ChargeOut, 404, 422),
    operation_id="charges_get",
    summary="A month's charges; ?format=csv|pdf|html downloads them",
)
def get_charge(request: HttpRequest, charge_id: Id, query: Query[DownloadQuery]) -> Any:
    snapshot = charge_snapshot(get_or_404(charges_for(request.user), charge_id))
    if not query.format:
        return snapshot
    if query.format not in FORMATS:
        raise query_error("format", f"one of {', '.join(FORMATS)}")
    return download(snapshot, query.format, request)


@router.post(
    "/charges/{charge_id}/approve",
    response=writes(ChargeOut, 404, 409),
    operation_id="charges_approve",
    summary="Make a draft charge final (service manager, billing)",
)
def approve(request: HttpRequest, charge_id: Id) -> dict[str, Any]:
    require_staff(request, "approve charges")
    charge = get_or_404(charges_for(request.user), charge_id)
    approve_charge(charge=charge, actor=actor_of(request))
    return charge_snapshot(get_or_404(charges_for(request.user), charge_id))


class EntryOut(Schema):
    id: int
    period: str
    bucket: str
    kind: str
    hours: Decimal
    running_balance: Decimal
    expires_after: str
    reason: str
    at: datetime


class LedgerOut(Schema):
    contract: int
    items: list[EntryOut]
    count: int
    balances: dict[str, Decimal]


class LedgerQuery(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    format: Text | None = None


@router.get(
    "/hours",
    response=reads(LedgerOut, 404, 422),
    operation_id="hours_ledger",
    summary="A contract's hours ledger, oldest first; ?format=csv downloads it",
)
def hours_ledger(request: HttpRequest, query: Query[LedgerQuery]) -> Any:
    contract = get_or_404(contracts_for(request.user), query.contract)
    if query.format == "csv":
        response = HttpResponse(
            ledger_csv(request.user, contract), content_type=charge_formats.CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="hours-{contract.number}.csv"'
        return response
    if query.format:
        raise query_error("format", "csv")
    rows = ledger_rows(entries_for(request.user).filter(contract=contract))
    items = [dict(zip(LEDGER_HEADER, row, strict=True)) for row in rows]
    balances: dict[str, Decimal] = {b: Decimal("0") for b in Bucket.values}
    for item in items:
        balances[item["balance"]] = item["running_balance"]
    return {
        "contract": contract.pk,
        "count": len(items),
        "balances": balances,
        "items": [
            {**item, "bucket": item["balance"], "expires_after": item["expires_after"]}
            for item in items
        ],
    }


class ChargeAdjustIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    period: Text
    hours: Decimal
    reason: Text
    bucket: Text = Bucket.MAINTENANCE.value


class CreatedOut(Schema):
    id: int


@router.post(
    "/hours/adjustments",
    response=writes(CreatedOut, 404, 409, status=201),
    operation_id="hours_adjust",
    summary="Adjust an hours balance with a reason (service manager, billing)",
)
@idempotent
def adjust(request: HttpRequest, payload: ChargeAdjustIn) -> Status[Any]:
    require_staff(request, "adjust hours")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    assert contract is not None
    entry = adjust_hours(
        contract=contract,
        period=Period.parse(payload.period),
        hours=payload.hours,
        reason=payload.reason,
        actor=actor_of(request),
        bucket=payload.bucket,
    )
    return Status(201, {"id": entry.pk})


class ConversionIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    period: Text
    hours: Decimal
    reason: Text


class ConversionOut(Schema):
    id: int
    contract: int
    period: str
    hours: Decimal
    ratio: Decimal
    project_hours: Decimal
    status: str


def _conversion(c: HoursConversion) -> dict[str, Any]:
    return {
        "id": c.pk,
        "contract": c.contract_id,
        "period": c.period,
        "hours": c.hours,
        "ratio": c.ratio,
        "project_hours": c.project_hours,
        "status": c.status,
    }


@router.post(
    "/hours/conversions",
    response=writes(ConversionOut, 404, 409, status=201),
    operation_id="hours_conversion_request",
    summary="Request a conversion of unused maintenance hours into project hours (staff)",
)
@idempotent
def convert(request: HttpRequest, payload: ConversionIn) -> Status[Any]:
    require_staff(request, "request conversions")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    assert contract is not None
    conversion = request_conversion(
        contract=contract,
        period=Period.parse(payload.period),
        hours=payload.hours,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return Status(201, _conversion(conversion))


def _decide(request: HttpRequest, conversion_id: int, approve: bool) -> dict[str, Any]:
    require_staff(request, "decide conversions")
    conversion = get_or_404(HoursConversion.objects.all(), conversion_id)
    return _conversion(
        decide_conversion(conversion=conversion, approve=approve, actor=actor_of(request))
    )


@router.post(
    "/hours/conversions/{conversion_id}/approve",
    response=writes(ConversionOut, 404, 409),
    operation_id="hours_conversion_approve",
    summary="Approve a conversion (service manager, billing)",
)
def approve_conversion(request: HttpRequest, conversion_id: Id) -> dict[str, Any]:
    return _decide(request, conversion_id, True)


@router.post(
    "/hours/conversions/{conversion_id}/reject",
    response=writes(ConversionOut, 404, 409),
    operation_id="hours_conversion_reject",
    summary="Reject a conversion (service manager, billing)",
)
def reject_conversion(request: HttpRequest, conversion_id: Id) -> dict[str, Any]:
    return _decide(request, conversion_id, False)
