"""Contracts, their dated versions (amendments) with targets and KPI commitments, and lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    Ref,
    UserRef,
    get_or_404,
    page,
    query_error,
    reference,
    require_staff,
    user_ref,
)
from servicepact.api.lines import LineIn, LineList, LineOut
from servicepact.api.terms import (
    KpiIn,
    KpiOut,
    TargetIn,
    TargetOut,
    kpi_rows,
    metric_rank,
    render_target,
    sorted_targets,
    target_order,
    target_rows,
)
from servicepact.assets import services as asset_services
from servicepact.assets.selectors import assets_for, contract_lines_for
from servicepact.contracts import services
from servicepact.contracts.choices import DEFAULT_PRIORITY_NAMES, ContractStatus
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.contracts.selectors import (
    calendars_for,
    contracts_for,
    contracts_with_terms_for,
    plans_for,
    version_in_force,
)
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_decimal,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.core.time import local_date, now
from servicepact.customers import services as customer_services
from servicepact.customers.selectors import customers_for
from servicepact.tickets.services import amend_contract_terms
from servicepact.tickets.system_notes import stored_reason

router = Router(tags=["contracts"])


class PlanRef(Schema):
    id: int
    name: str
    code: str


Number = Annotated[str, model_text(Contract, "number")]
Renewal = Annotated[str, model_text(Contract, "renewal")]
NoticeDays = Annotated[int, model_int(Contract, "notice_days")]
GraceDays = Annotated[int, model_int(Contract, "grace_days")]
FeeAmount = Annotated[Decimal, model_decimal(Contract, "fee_amount")]
FeeCurrency = Annotated[str, model_text(Contract, "fee_currency")]
FeePeriod = Annotated[str, model_text(Contract, "fee_period")]
IncludedHours = Annotated[Decimal, model_decimal(Contract, "included_hours")]
Reason = Annotated[str, model_text(ContractVersion, "reason")]
TerminationReason = Annotated[str, model_text(Contract, "termination_reason")]


class ContractIn(ApiIn):
    number: Number
    customer: BodyId
    plan: BodyId
    start_date: date
    end_date: date
    renewal: Renewal = "manual"
    notice_days: NoticeDays = 90
    grace_days: GraceDays = 30
    fee_amount: FeeAmount = Decimal("0")
    fee_currency: FeeCurrency = "USD"
    fee_period: FeePeriod = "monthly"
    included_hours: IncludedHours = Decimal("0")
    service_manager: BodyId | None = None
    kpis: list[KpiIn] = []
    target_overrides: list[TargetIn] = []
    priority_matrix: list[list[int]] | None = None
    priority_names: dict[str, str] | None = None
    activate: bool = True


class AmendIn(ApiIn):
    """What is left out is carried over from the version in force before ``effective_from``."""

    effective_from: AwareDatetime
    reason: Reason
    kpis: list[KpiIn] | None = None
    target_overrides: list[TargetIn] | None = None
    priority_matrix: list[list[int]] | None = None
    priority_names: dict[str, str] | None = None


class TerminateIn(ApiIn):
    on: date
    reason: TerminationReason


class EffectiveTargetOut(TargetOut):
    source: str


class EffectiveCategoryTargetOut(EffectiveTargetOut):
    category: str


class VersionOut(Schema):
    id: int
    number: int
    effective_from: datetime
    reason: str
    created_by: UserRef | None
    created_at: datetime
    priority_matrix: list[list[int]]
    priority_names: dict[str, str]
    targets: list[EffectiveTargetOut]  # for any ticket category
    target_overrides: list[TargetOut]
    # Targets for one ticket category (plan's and this version's, with their source): they
    # win over "any" for tickets of that category.
    category_targets: list[EffectiveCategoryTargetOut] = []
    kpis: list[KpiOut]


class VersionList(Schema):
    items: list[VersionOut]
    count: int


class ContractOut(Schema):
    id: int
    number: str
    customer: Ref
    plan: PlanRef
    start_date: date
    end_date: date
    status: str
    status_today: str
    renewal: str
    notice_days: int
    grace_days: int
    fee_amount: Decimal
    fee_currency: str
    fee_period: str
    included_hours: Decimal
    service_manager: UserRef | None
    activated_at: datetime | None
    terminated_on: date | None
    termination_reason: str
    current_version: int | None


class ContractDetail(ContractOut):
    versions: list[VersionOut]


class ContractList(ListOut):
    items: list[ContractOut]
    count: int


def render_contract(contract: Contract, moment: datetime) -> dict[str, Any]:
    versions = list(contract.versions.all())
    current = version_in_force(versions, moment)
    return {
        "id": contract.pk,
        "number": contract.number,
        "customer": contract.customer,
        "plan": contract.plan,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "status": contract.status,
        "status_today": contract.status_on(local_date(moment, contract.customer.timezone)),
        "renewal": contract.renewal,
        "notice_days": contract.notice_days,
        "grace_days": contract.grace_days,
        "fee_amount": contract.fee_amount,
        "fee_currency": contract.fee_currency,
        "fee_period": contract.fee_period,
        "included_hours": contract.included_hours,
        "service_manager": user_ref(contract.service_manager),
        "activated_at": contract.activated_at,
        "terminated_on": contract.terminated_on,
        "termination_reason": contract.termination_reason,
        "current_version": current.number if current else None,
    }


def render_version(
    version: ContractVersion, contract: Contract, rank: dict[str, int] | None = None
) -> dict[str, Any]:
    """A version as the complete terms it stands for: the plan's targets, overridden per
    (priority, metric) by the version's own; its priority policy; its KPI commitments."""
    plan = contract.plan
    rank = metric_rank() if rank is None else rank
    own = sorted_targets(list(version.targets.all()), rank)
    effective: dict[tuple[int, str, str], tuple[Any, str]] = {
        (t.priority, t.metric, t.category): (t, f"plan {plan.name}") for t in plan.targets.all()
    }
    for t in own:
        effective[(t.priority, t.metric, t.category)] = (
            t,
            f"contract {contract.number} v{version.number}",
        )
    return {
        "id": version.pk,
        "number": version.number,
        "effective_from": version.effective_from,
        "reason": stored_reason(version),
        "created_by": user_ref(version.created_by),
        "created_at": version.created_at,
        "priority_matrix": version.priority_matrix or plan.priority_matrix,
        "priority_names": {
            **DEFAULT_PRIORITY_NAMES,
            **plan.priority_names,
            **(version.priority_names or {}),
        },
        "targets": [
            {**render_target(t), "source": source}
            for t, source in (effective[k] for k in sorted(effective, key=target_order(rank)))
            if not t.category
        ],
        "target_overrides": [render_target(t) for t in own if not t.category],
        "category_targets": [
            {**render_target(t), "source": source}
            for t, source in (effective[k] for k in sorted(effective, key=target_order(rank)))
            if t.category
        ],
        "kpis": kpi_rows(list(version.kpis.all())),
    }


def render_detail(contract: Contract, moment: datetime) -> dict[str, Any]:
    rank = metric_rank()
    return {
        **render_contract(contract, moment),
        "versions": [render_version(v, contract, rank) for v in contract.versions.all()],
    }


def _detail(request: HttpRequest, contract_id: int) -> dict[str, Any]:
    contract = get_or_404(contracts_with_terms_for(request.user), contract_id)
    return render_detail(contract, now())


@router.get(
    "/contracts",
    response=reads(ContractList, 422),
    operation_id="contracts_list",
    summary="List contracts",
)
def list_contracts(
    request: HttpRequest,
    paging: Query[PageQuery],
    customer: IdFilter = None,
    plan: IdFilter = None,
    status: Text | None = None,
) -> dict[str, Any]:
    """Contracts the caller may see; ``status`` filters on the stored status (comma-separated)."""
    qs = contracts_for(request.user).order_by("number", "id")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if plan is not None:
        qs = qs.filter(plan_id=plan)
    if status:
        if not set(status.split(",")) <= set(ContractStatus.values):
            raise query_error(
                "status", f"each status must be one of {', '.join(ContractStatus.values)}"
            )
        qs = qs.filter(status__in=status.split(","))
    result = page(qs, paging)
    moment = now()
    result["items"] = [render_contract(c, moment) for c in result["items"]]
    return result


@router.post(
    "/contracts",
    response=writes(ContractDetail, status=201),
    operation_id="contracts_create",
    summary="Create a contract",
)
@idempotent
def create_contract(request: HttpRequest, payload: ContractIn) -> Status[Any]:
    """Creates a contract and its version 1 (in force from the start of the term)."""
    require_staff(request, "create contracts")
    data = payload.dict()
    with transaction.atomic():
        data["customer"] = reference(customers_for(request.user), payload.customer, "customer")
        data["plan"] = reference(plans_for(request.user), payload.plan, "plan")
        data["service_manager"] = customer_services.user_by_id(
            payload.service_manager, "service_manager"
        )
        data["target_overrides"] = target_rows(
            payload.target_overrides, calendars_for(request.user), "target_overrides"
        )
        contract = services.create_contract(**data, actor=actor_of(request))
    return Status(201, _detail(request, contract.pk))


@router.get(
    "/contracts/{contract_id}",
    response=reads(ContractDetail, 404, 422),
    operation_id="contracts_get",
    summary="Get a contract with its versions",
)
def get_contract(request: HttpRequest, contract_id: Id) -> Any:
    return _detail(request, contract_id)


@router.post(
    "/contracts/{contract_id}/activate",
    response=writes(ContractDetail, 404, 409),
    operation_id="contracts_activate",
    summary="Activate a draft contract",
)
def activate_contract(request: HttpRequest, contract_id: Id) -> Any:
    contract = get_or_404(contracts_for(request.user), contract_id)
    require_staff(request, "activate contracts")
    with transaction.atomic():
        services.activate_contract(contract=contract)
    return _detail(request, contract_id)


@router.post(
    "/contracts/{contract_id}/terminate",
    response=writes(ContractDetail, 404, 409),
    operation_id="contracts_terminate",
    summary="Terminate a contract",
)
def terminate_contract(request: HttpRequest, contract_id: Id, payload: TerminateIn) -> Any:
    contract = get_or_404(contracts_for(request.user), contract_id)
    require_staff(request, "terminate contracts")
    with transaction.atomic():
        services.terminate_contract(contract=contract, on=payload.on, reason=payload.reason)
    return _detail(request, contract_id)


@router.get(
    "/contracts/{contract_id}/versions",
    response=reads(VersionList, 404, 422),
    operation_id="contracts_versions_list",
    summary="List a contract's versions",
)
def list_versions(request: HttpRequest, contract_id: Id) -> dict[str, Any]:
    """Every version, oldest first (a contract has few; the list is not paginated)."""
    contract = get_or_404(contracts_with_terms_for(request.user), contract_id)
    rank = metric_rank()
    items = [render_version(v, contract, rank) for v in contract.versions.all()]
    return {"items": items, "count": len(items)}


@router.post(
    "/contracts/{contract_id}/versions",
    response=writes(VersionOut, 404, 409, status=201),
    operation_id="contracts_amend",
    summary="Amend a contract (a new dated version)",
)
@idempotent
def amend_contract(request: HttpRequest, contract_id: Id, payload: AmendIn) -> Status[Any]:
    """A new dated version. Open tickets opened after ``effective_from`` move to it and their
    clocks are recomputed, each moved deadline recorded with the amendment's reason (ADR 0002)."""
    contract = get_or_404(contracts_for(request.user), contract_id)
    require_staff(request, "amend contracts")
    calendars = calendars_for(request.user)
    with transaction.atomic():
        overrides = (
            None
            if payload.target_overrides is None
            else target_rows(payload.target_overrides, calendars, "target_overrides")
        )
        version = amend_contract_terms(
            contract=contract,
            effective_from=payload.effective_from,
            reason=payload.reason,
            kpis=None if payload.kpis is None else [k.dict() for k in payload.kpis],
            target_overrides=overrides,
            priority_matrix=payload.priority_matrix,
            priority_names=payload.priority_names,
            actor=actor_of(request),
        )
    return Status(201, _version(request, contract_id, version.number))


def _version(request: HttpRequest, contract_id: int, number: int) -> dict[str, Any]:
    contract = get_or_404(contracts_with_terms_for(request.user), contract_id)
    for version in contract.versions.all():
        if version.number == number:
            return render_version(version, contract)
    raise Http404(
        _("No version %(number)s of contract %(contract)s")
        % {"number": number, "contract": contract.number}
    )


@router.get(
    "/contracts/{contract_id}/versions/{number}",
    response=reads(VersionOut, 404, 422),
    operation_id="contracts_versions_get",
    summary="Get one version of a contract",
)
def get_version(request: HttpRequest, contract_id: Id, number: Id) -> Any:
    return _version(request, contract_id, number)


@router.get(
    "/contracts/{contract_id}/lines",
    response=reads(LineList, 404, 422),
    operation_id="contracts_lines_list",
    summary="List the assets a contract covers",
)
def list_lines(
    request: HttpRequest,
    contract_id: Id,
    paging: Query[PageQuery],
) -> dict[str, Any]:
    """The assets the contract covers (one line per asset and period)."""
    contract = get_or_404(contracts_for(request.user), contract_id)
    qs = contract_lines_for(request.user).filter(contract=contract)
    return page(qs, paging)


@router.post(
    "/contracts/{contract_id}/lines",
    response=writes(LineOut, 404, 409, status=201),
    operation_id="contracts_lines_add",
    summary="Put an asset under a contract",
)
@idempotent
def add_line(request: HttpRequest, contract_id: Id, payload: LineIn) -> Status[Any]:
    """Puts an asset under the contract (default from the start of the term)."""
    contract = get_or_404(contracts_for(request.user), contract_id)
    require_staff(request, "add assets to contracts")
    with transaction.atomic():
        asset = reference(assets_for(request.user), payload.asset, "asset")
        line = asset_services.add_contract_line(
            contract=contract,
            asset=asset,  # type: ignore[arg-type]
            start_date=payload.start_date,
            end_date=payload.end_date,
        )
    return Status(201, contract_lines_for(request.user).get(pk=line.pk))
