"""SLA statements: the frozen statements of closed months, and any month's statement live.

    GET /statements                          list (filters: contract, period, period_from, period_to)
    GET /statements/{id}                      detail with the statement; ``?format=csv|json|pdf``
                                              downloads the same file as the desk
    GET /contracts/{id}/statement?period=     a month's statement (frozen once closed, else live)

Tenancy: a contact sees only its own customer's statements (another's is a 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    query_error,
    rendered_page,
)
from servicepact.billing.periods import Period
from servicepact.contracts.selectors import get_contract
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, Text, reads
from servicepact.core.errors import DomainValidationError
from servicepact.customers.selectors import scope_to_customer
from servicepact.reports import formats
from servicepact.reports.models import Statement
from servicepact.reports.selectors import default_period, statement_for

router = Router(tags=["statements"])

DOWNLOADS = ("csv", "json", "pdf")


class ContractRef(Schema):
    id: int
    number: str


class StatementOut(Schema):
    id: int
    contract: ContractRef
    period: str
    status: str
    generated_at: datetime
    sent_at: datetime | None
    downloads: dict[str, str]


class StatementList(ListOut):
    items: list[StatementOut]


class StatementDetail(StatementOut):
    statement: dict[str, Any]


class LiveStatement(Schema):
    contract: ContractRef
    period: str
    closed: bool
    statement: dict[str, Any]


class StatementFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    period: Text | None = None
    period_from: Text | None = None
    period_to: Text | None = None


def statements_for(user: Any) -> Any:
    return scope_to_customer(
        Statement.objects.select_related("contract", "contract__customer"),
        user,
        field="contract__customer",
    )


def _period(text: str, field: str) -> str:
    try:
        return str(Period.parse(text, field=field))
    except DomainValidationError as exc:
        raise query_error(field, exc.errors[field][0]) from None


def render_statement(statement: Statement) -> dict[str, Any]:
    url = reverse("api:get_statement", args=[statement.pk])
    return {
        "id": statement.pk,
        "contract": {"id": statement.contract_id, "number": statement.contract.number},
        "period": statement.period,
        "status": statement.status,
        "generated_at": statement.generated_at,
        "sent_at": statement.sent_at,
        "downloads": {fmt: f"{url}?format={fmt}" for fmt in DOWNLOADS},
    }


def download(snapshot: dict[str, Any], number: str, period: str, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOADS:
        raise query_error("format", f"one of {', '.join(DOWNLOADS)}")
    response = HttpResponse(formats.render(snapshot, fmt), content_type=formats.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="statement-{number}-{period}.{fmt}"'
    return response


@router.get(
    "/statements",
    response=reads(StatementList, 422),
    operation_id="statements_list",
    summary="List closed months' statements",
)
def list_statements(request: HttpRequest, filters: Query[StatementFilters]) -> dict[str, Any]:
    """Closed months' statements, newest period first."""
    qs = statements_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.period:
        qs = qs.filter(period=_period(filters.period, "period"))
    if filters.period_from:
        qs = qs.filter(period__gte=_period(filters.period_from, "period_from"))
    if filters.period_to:
        qs = qs.filter(period__lte=_period(filters.period_to, "period_to"))
    qs = qs.order_by("-period", "contract__number", "id")
    return rendered_page(qs, filters, render_statement)


@router.get(
    "/statements/{statement_id}",
    response=reads(StatementDetail, 404, 422),
    operation_id="statements_get",
    summary="A statement (or its download with ?format=)",
)
def get_statement(request: HttpRequest, statement_id: Id, format: Text = "") -> Any:
    """The frozen statement with its credits' current decision; ``?format=`` downloads it."""
    statement = get_or_404(statements_for(request.user), statement_id)
    snapshot = statement_for(statement.contract, Period.parse(statement.period))
    if format:
        return download(snapshot, statement.contract.number, statement.period, format)
    return {**render_statement(statement), "statement": snapshot}


@router.get(
    "/contracts/{contract_id}/statement",
    response=reads(LiveStatement, 404, 422),
    operation_id="contracts_statement",
    summary="A contract's statement for a month (live until closed)",
)
def contract_statement(
    request: HttpRequest, contract_id: Id, period: Text = "", format: Text = ""
) -> Any:
    """A month's statement (default: the last closed month); live until the month is closed."""
    contract = get_contract(request.user, contract_id)
    month = Period.parse(_period(period, "period")) if period else default_period(contract)
    snapshot = statement_for(contract, month)
    if format:
        return download(snapshot, contract.number, str(month), format)
    closed = Statement.objects.filter(contract=contract, period=str(month)).exists()
    return {
        "contract": {"id": contract.pk, "number": contract.number},
        "period": str(month),
        "closed": closed,
        "statement": snapshot,
    }
