"""Preventive inspections (docs/inspections.md).

GET  /inspections/plans                     plans, tenancy-scoped (a contact: its customer's)
POST /inspections/plans                     staff: a plan (RRULE, local time, checklist, team)
GET  /inspections/plans/{id}                one plan (404 outside the caller's tenancy)
GET  /inspections/visits                    visits, tenancy-scoped; ?plan= ?status= ?from= ?to=
GET  /inspections/visits/{id}               one visit with its results, photos and signature
POST /inspections/visits/{id}/results       staff: record or correct results and the advice
POST /inspections/visits/{id}/sign          staff: the customer's signature (name, instant, image)
GET  /inspections/visits/{id}/report.pdf    the visit report as PDF
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.accounts.models import Team
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    pdf_openapi,
    reference,
    rendered_page,
    require_staff,
)
from servicepact.assets.selectors import assets_for
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.customers.selectors import customers_for
from servicepact.inspections.checks import Expectation, ItemSpec, describe
from servicepact.inspections.choices import (
    NOTE_MAX_CHARS,
    VALUE_MAX_CHARS,
    ItemKind,
    VisitStatus,
)
from servicepact.inspections.models import ChecklistItem, InspectionPlan, Visit
from servicepact.inspections.render import pdf_response
from servicepact.inspections.selectors import plans_for, visit_detail
from servicepact.inspections.services import (
    ResultSpec,
    create_inspection_plan,
    deactivate_inspection_plan,
    record_visit_results,
    sign_visit,
)

router = Router(tags=["inspections"])

SIGNATURE_MAX_BYTES = 512 * 1024


# ---------------------------------------------------------------- plans


class ChecklistItemOut(Schema):
    id: int
    position: int
    label: str
    kind: str
    expected_text: str
    min_value: Decimal | None
    max_value: Decimal | None
    expected_yes: bool | None
    unit: str
    expected: str = Field(description="the expected value as people read it")


class InspectionPlanOut(Schema):
    id: int
    name: str
    customer: int
    contract: int | None
    assets: list[int]
    rrule: str
    starts_on: date
    time_of_day: str = Field(description="HH:MM in the customer's time zone")
    timezone: str
    duration_minutes: int
    team: int | None
    is_active: bool
    items: list[ChecklistItemOut]


class InspectionPlanList(ListOut):
    items: list[InspectionPlanOut]


class InspectionPlanFilters(PageQuery, ApiIn):
    customer: int | None = Field(None, ge=1, le=MAX_DB_INT)
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)


class ChecklistItemIn(ApiIn):
    label: Annotated[str, model_text(ChecklistItem, "label", min_length=1)]
    kind: ItemKind
    expected_text: Annotated[str, model_text(ChecklistItem, "expected_text")] = ""
    min_value: Decimal | None = Field(None, max_digits=14, decimal_places=4)
    max_value: Decimal | None = Field(None, max_digits=14, decimal_places=4)
    expected_yes: bool | None = None
    unit: Annotated[str, model_text(ChecklistItem, "unit")] = ""


class InspectionPlanIn(ApiIn):
    name: Annotated[str, model_text(InspectionPlan, "name", min_length=1)]
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    customer: int | None = Field(None, ge=1, le=MAX_DB_INT)
    assets: list[Annotated[int, Field(ge=1, le=MAX_DB_INT)]] = Field(
        default_factory=list, max_length=200
    )
    rrule: Annotated[str, model_text(InspectionPlan, "rrule", min_length=1)] = Field(
        ..., examples=["FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYSETPOS=1"]
    )
    starts_on: date
    time_of_day: time = Field(..., description="local time in the customer's time zone")
    duration_minutes: int = Field(120, ge=1, le=24 * 60)
    team: int | None = Field(None, ge=1, le=MAX_DB_INT)
    items: list[ChecklistItemIn] = Field(..., min_length=1, max_length=100)


def render_item(item: ChecklistItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "position": item.position,
        "label": item.label,
        "kind": item.kind,
        "expected_text": item.expected_text,
        "min_value": item.min_value,
        "max_value": item.max_value,
        "expected_yes": item.expected_yes,
        "unit": item.unit,
        "expected": describe(item.expectation),
    }


def render_plan(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "name": plan.name,
        "customer": plan.customer_id,
        "contract": plan.contract_id,
        "assets": [a.pk for a in plan.assets.all()],
        "rrule": plan.rrule,
        "starts_on": plan.starts_on,
        "time_of_day": plan.time_of_day.strftime("%H:%M"),
        "timezone": plan.customer.timezone,
        "duration_minutes": plan.duration_minutes,
        "team": plan.team_id,
        "is_active": plan.is_active,
        "items": [render_item(i) for i in plan.items.all()],
    }


def _plans(request: HttpRequest) -> Any:
    return plans_for(request.user).prefetch_related("items", "assets")


@router.get(
    "/inspections/plans",
    response=reads(InspectionPlanList, 422),
    operation_id="inspection_plans_list",
    summary="List inspection plans (tenancy-scoped)",
)
def list_plans(request: HttpRequest, filters: Query[InspectionPlanFilters]) -> dict[str, Any]:
    qs = _plans(request)
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    return rendered_page(qs.order_by("customer__name", "name", "pk"), filters, render_plan)


@router.post(
    "/inspections/plans",
    response=writes(InspectionPlanOut, 404, status=201),
    operation_id="inspection_plans_create",
    summary="Create an inspection plan (staff)",
)
@idempotent
def create_plan(request: HttpRequest, payload: InspectionPlanIn) -> Status[Any]:
    """A bad RRULE is a 422 on ``rrule`` with the parser's reason. The visits of the next
    ``INSPECTION_HORIZON_DAYS`` (120) days are generated at once; the worker keeps going."""
    require_staff(request, "create inspection plans")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    customer = reference(customers_for(request.user), payload.customer, "customer")
    team = reference(Team.objects.all(), payload.team, "team")
    visible = assets_for(request.user)
    assets = []
    for n, pk in enumerate(payload.assets):
        asset = reference(visible, pk, f"assets[{n}]")
        assert asset is not None
        assets.append(asset)
    plan = create_inspection_plan(
        name=payload.name,
        rrule=payload.rrule,
        starts_on=payload.starts_on,
        time_of_day=payload.time_of_day,
        customer=customer,
        contract=contract,
        assets=assets,
        team=team,
        duration_minutes=payload.duration_minutes,
        items=[
            ItemSpec(
                label=i.label,
                expectation=Expectation(
                    kind=i.kind,
                    expected_text=i.expected_text,
                    min_value=i.min_value,
                    max_value=i.max_value,
                    expected_yes=i.expected_yes,
                    unit=i.unit,
                ),
            )
            for i in payload.items
        ],
        actor=actor_of(request),
    )
    return Status(201, render_plan(_plans(request).get(pk=plan.pk)))


@router.get(
    "/inspections/plans/{plan_id}",
    response=reads(InspectionPlanOut, 404, 422),
    operation_id="inspection_plans_get",
    summary="One inspection plan",
)
def get_plan(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    return render_plan(get_or_404(_plans(request), plan_id))


@router.post(
    "/inspections/plans/{plan_id}/deactivate",
    response=writes(InspectionPlanOut, 404, 409),
    operation_id="inspection_plans_deactivate",
    summary="Deactivate an inspection plan (staff)",
)
def deactivate_plan(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    """No more visits are generated; its scheduled visits from now on that nothing was
    recorded on are removed (past and performed ones stay). 409 when inactive already."""
    plan = get_or_404(_plans(request), plan_id)
    require_staff(request, "deactivate inspection plans")
    deactivate_inspection_plan(plan=plan, actor=actor_of(request))
    return render_plan(_plans(request).get(pk=plan.pk))


# ---------------------------------------------------------------- visits


class VisitResultOut(Schema):
    id: int
    item: int
    label: str
    asset: int | None
    value: str
    passed: bool
    note: str
    ticket: str | None = Field(description="number of the ticket the failure opened")


class VisitFileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    caption: str
    result: int | None


class VisitOut(Schema):
    id: int
    plan: int
    plan_name: str
    customer: int
    occurs_on: date
    scheduled_at: datetime
    status: str
    performed_at: datetime | None
    results: list[VisitResultOut]
    photos: list[VisitFileOut]
    advice: str
    signer_name: str
    signed_at: datetime | None
    has_signature_image: bool


class VisitList(ListOut):
    items: list[VisitOut]


class VisitFilters(PageQuery, ApiIn):
    plan: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: VisitStatus | None = None
    scheduled_from: AwareDatetime | None = Field(None, alias="from")
    scheduled_to: AwareDatetime | None = Field(None, alias="to")


class VisitResultIn(ApiIn):
    item: int = Field(..., ge=1, le=MAX_DB_INT)
    asset: int | None = Field(None, ge=1, le=MAX_DB_INT)
    value: str = Field(..., max_length=VALUE_MAX_CHARS)
    note: str = Field("", max_length=NOTE_MAX_CHARS)


class VisitResultsIn(ApiIn):
    results: list[VisitResultIn] = Field(default_factory=list, max_length=2000)
    advice: Annotated[str, model_text(Visit, "advice")] | None = None
    performed_at: AwareDatetime | None = None


class VisitSignIn(ApiIn):
    signer_name: Annotated[str, model_text(Visit, "signer_name", min_length=1)]
    signed_at: AwareDatetime | None = None
    signature_png: str | None = Field(
        None, description="optional drawn signature: a base64 PNG", max_length=700_000
    )


def render_visit(visit: Visit) -> dict[str, Any]:
    files = list(visit.files.all())
    return {
        "id": visit.pk,
        "plan": visit.plan_id,
        "plan_name": visit.plan.name,
        "customer": visit.plan.customer_id,
        "occurs_on": visit.occurs_on,
        "scheduled_at": visit.scheduled_at,
        "status": visit.status,
        "performed_at": visit.performed_at,
        "results": [
            {
                "id": r.pk,
                "item": r.item_id,
                "label": r.item.label,
                "asset": r.asset_id,
                "value": r.value,
                "passed": r.passed,
                "note": r.note,
                "ticket": r.ticket.number if r.ticket else None,
            }
            for r in visit.results.all()
        ],
        "photos": [
            {
                "id": f.pk,
                "name": f.name,
                "size": f.size,
                "content_type": f.content_type,
                "caption": f.caption,
                "result": f.result_id,
            }
            for f in files
            if not f.is_signature
        ],
        "advice": visit.advice,
        "signer_name": visit.signer_name,
        "signed_at": visit.signed_at,
        "has_signature_image": visit.signature_id is not None,
    }


def _visits(request: HttpRequest) -> Any:
    return visit_detail(request.user)


@router.get(
    "/inspections/visits",
    response=reads(VisitList, 422),
    operation_id="inspection_visits_list",
    summary="List inspection visits (tenancy-scoped)",
)
def list_visits(request: HttpRequest, filters: Query[VisitFilters]) -> dict[str, Any]:
    qs = _visits(request)
    if filters.plan is not None:
        qs = qs.filter(plan_id=filters.plan)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.scheduled_from is not None:
        qs = qs.filter(scheduled_at__gte=filters.scheduled_from)
    if filters.scheduled_to is not None:
        qs = qs.filter(scheduled_at__lt=filters.scheduled_to)
    return rendered_page(qs.order_by("scheduled_at", "pk"), filters, render_visit)


@router.get(
    "/inspections/visits/{visit_id}",
    response=reads(VisitOut, 404, 422),
    operation_id="inspection_visits_get",
    summary="One inspection visit",
)
def get_visit(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    return render_visit(get_or_404(_visits(request), visit_id))


@router.post(
    "/inspections/visits/{visit_id}/results",
    response=writes(VisitOut, 404, 409),
    operation_id="inspection_visits_results",
    summary="Record a visit's results and advice (staff)",
)
def post_results(request: HttpRequest, visit_id: Id, payload: VisitResultsIn) -> dict[str, Any]:
    """Pass/fail is computed from each item's expected value; an item that fails for the
    first time opens one ticket (linked as ``ticket``). Correct until signed (then 409)."""
    visit = get_or_404(_visits(request), visit_id)
    require_staff(request, "record inspection results")
    record_visit_results(
        visit=visit,
        results=[
            ResultSpec(item_id=r.item, asset_id=r.asset, value=r.value, note=r.note)
            for r in payload.results
        ],
        advice=payload.advice,
        performed_at=payload.performed_at,
        actor=actor_of(request),
    )
    return render_visit(_visits(request).get(pk=visit.pk))


@router.post(
    "/inspections/visits/{visit_id}/sign",
    response=writes(VisitOut, 404, 409),
    operation_id="inspection_visits_sign",
    summary="Record the customer's signature on a performed visit (staff)",
)
def post_sign(request: HttpRequest, visit_id: Id, payload: VisitSignIn) -> dict[str, Any]:
    """The signer's name and instant (default now), optionally the drawn signature as a
    base64 PNG; once, and only after results (409 otherwise)."""
    visit = get_or_404(_visits(request), visit_id)
    require_staff(request, "record signatures")
    image = None
    if payload.signature_png:
        try:
            image = base64.b64decode(payload.signature_png, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DomainValidationError({"signature_png": [_("is not base64")]}) from exc
        if len(image) > SIGNATURE_MAX_BYTES:
            raise DomainValidationError({"signature_png": [_("at most 512 KB")]})
    sign_visit(
        visit=visit,
        signer_name=payload.signer_name,
        signed_at=payload.signed_at,
        signature=image,
        signature_type="image/png",
        actor=actor_of(request),
    )
    return render_visit(_visits(request).get(pk=visit.pk))


@router.get(
    "/inspections/visits/{visit_id}/report.pdf",
    response=reads(None, 404, 422),
    openapi_extra=pdf_openapi("The visit report as PDF"),
    operation_id="inspection_visits_report_pdf",
    summary="The visit report as PDF",
)
def report_pdf(request: HttpRequest, visit_id: Id) -> Any:
    visit = get_or_404(_visits(request), visit_id)
    return pdf_response(visit)
