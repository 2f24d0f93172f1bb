"""Major incidents, reports and runbooks (docs/incidents.md).

GET  /incidents/major                       list (filters: contract) — contacts: their own
POST /incidents/major                       declare {ticket, level, summary, runbooks?} (staff)
GET  /incidents/major/{id}
GET  /incidents/major/{id}/report           staff: any; contacts: published only (404)
PATCH /incidents/major/{id}/report          edit the draft (staff; 409 once published)
POST /incidents/major/{id}/report/publish   (staff)
GET  /incidents/major/{id}/report.pdf
GET  /runbooks                              (staff)
POST /runbooks                              {contract | plan, title, body} (staff)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    pdf_openapi,
    reference,
    rendered_page,
    require_staff,
)
from servicepact.backups.selectors import runs_for
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.contracts.selectors import get_contract
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    BodyId,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.customers.models import Contact
from servicepact.incidents import services
from servicepact.incidents.choices import level_label
from servicepact.incidents.models import EmergencyContact, EventLevel, MajorIncident, Runbook
from servicepact.incidents.render import pdf_filename, render_pdf, report_document
from servicepact.incidents.selectors import incidents_for, levels_of, reports_for, runbooks_for
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["major incidents"])


class IncidentOut(Schema):
    id: int
    ticket: int
    ticket_number: str | None
    contract: int
    contract_number: str
    level: int
    level_label: str
    summary: str
    declared_at: dt.datetime
    notified: int
    runbooks: list[int]
    report_status: str


class IncidentList(ListOut):
    items: list[IncidentOut]


class IncidentFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)


class DeclareIn(ApiIn):
    ticket: BodyId
    level: int = Field(..., ge=1, le=4)
    summary: Annotated[str, Field(min_length=1, max_length=services.TEXT_MAX)]
    runbooks: list[BodyId] | None = None


class TimelineEntry(ApiIn):
    at: dt.datetime
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    event: int | None = None


class ReportIn(ApiIn):
    timeline: list[TimelineEntry] | None = None
    root_cause: Annotated[str, Field(max_length=services.TEXT_MAX)] | None = None
    data_lost: bool | None = None
    data_loss: Annotated[str, Field(max_length=services.TEXT_MAX)] | None = None
    restored_from: Annotated[str, Field(max_length=300)] | None = None
    restored_run: int | None = Field(None, ge=1, le=2**63 - 1)  # a good run; null: none
    achieved_rto_seconds: int | None = Field(None, ge=0, le=2**31 - 1)
    achieved_rpo_seconds: int | None = Field(None, ge=0, le=2**31 - 1)
    apology: Annotated[str, Field(max_length=services.TEXT_MAX)] | None = None


class RestoredRunOut(Schema):
    id: int
    asset: str
    location: str
    location_label: str
    started_at: dt.datetime
    snapshot: str


class ReportOut(Schema):
    incident: int
    status: str
    level: int
    level_label: str
    declared_at: dt.datetime
    timeline: list[dict[str, Any]]
    root_cause: str
    data_lost: bool | None
    data_loss: str
    restored_from: str
    restored_run: RestoredRunOut | None
    achieved_rto_seconds: int | None
    achieved_rpo_seconds: int | None
    corrective_actions: list[dict[str, Any]]
    apology: str
    compensation: dict[str, Any] | None
    published_at: dt.datetime | None


class RunbookOut(Schema):
    id: int
    contract: int | None
    plan: int | None
    title: str
    body: str
    updated_at: dt.datetime


class RunbookList(ListOut):
    items: list[RunbookOut]


class RunbookIn(ApiIn):
    contract: BodyId | None = None
    plan: BodyId | None = None
    title: Annotated[str, model_text(Runbook, "title", min_length=1)]
    body: Annotated[str, Field(min_length=1, max_length=services.TEXT_MAX)]


class CompensationIn(ApiIn):
    credit: BodyId
    amount: Decimal = Field(..., max_digits=12, decimal_places=2, allow_inf_nan=False)
    text: Annotated[str, Field(min_length=1, max_length=services.TEXT_MAX)]


class CorrectiveActionIn(ApiIn):
    description: Annotated[str, Field(min_length=1, max_length=300)]
    change: BodyId | None = None


def render_incident(incident: MajorIncident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "ticket": incident.ticket_id,
        "ticket_number": incident.ticket.number,
        "contract": incident.contract_id,
        "contract_number": incident.contract.number,
        "level": incident.level,
        "level_label": level_label(incident.level),
        "summary": incident.summary,
        "declared_at": incident.declared_at,
        "notified": incident.notified,
        "runbooks": sorted(r.pk for r in incident.runbooks.all()),
        "report_status": incident.report.status,
    }


def _report_doc(report: Any) -> dict[str, Any]:
    doc = report_document(report)
    return {**doc, "incident": report.incident_id}


@router.get(
    "/incidents/major",
    response=reads(IncidentList, 422),
    operation_id="major_incidents_list",
    summary="List major incidents (tenancy-scoped)",
)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> Any:
    qs = incidents_for(request.user).prefetch_related("runbooks")
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    return rendered_page(qs.order_by("-declared_at", "-id"), filters, render_incident)


@router.post(
    "/incidents/major",
    response=writes(IncidentOut, 404, 409, status=201),
    operation_id="major_incidents_declare",
    summary="Declare a ticket a major incident: emergency contacts told at once (staff)",
)
@idempotent
def declare(request: HttpRequest, body: DeclareIn) -> Any:
    require_staff(request, "declare a major incident")
    ticket = reference(tickets_for(request.user), body.ticket, "ticket")
    assert ticket is not None
    incident = services.declare_major_incident(
        ticket=ticket,
        level=body.level,
        summary=body.summary,
        actor=actor_of(request),
        runbooks=body.runbooks,
    )
    return Status(201, render_incident(incident))


@router.get(
    "/incidents/major/{incident_id}",
    response=reads(IncidentOut, 404, 422),
    operation_id="major_incidents_get",
    summary="A major incident",
)
def get_incident(request: HttpRequest, incident_id: Id) -> Any:
    return render_incident(get_or_404(incidents_for(request.user), incident_id))


def _report(request: HttpRequest, incident_id: int) -> Any:
    return get_or_404(reports_for(request.user), _report_pk(request, incident_id))


def _report_pk(request: HttpRequest, incident_id: int) -> int:
    incident = get_or_404(incidents_for(request.user), incident_id)
    return int(incident.report.pk)


@router.get(
    "/incidents/major/{incident_id}/report",
    response=reads(ReportOut, 404, 422),
    operation_id="major_incidents_report",
    summary="The post-incident report (contacts: once published)",
)
def get_report(request: HttpRequest, incident_id: Id) -> Any:
    return _report_doc(_report(request, incident_id))


@router.patch(
    "/incidents/major/{incident_id}/report",
    response=writes(ReportOut, 404, 409),
    operation_id="major_incidents_report_edit",
    summary="Edit the draft report (staff)",
)
def edit_report(request: HttpRequest, incident_id: Id, body: ReportIn) -> Any:
    report = _report(request, incident_id)
    require_staff(request, "edit the report")
    values = body.dict(exclude_unset=True)
    if "timeline" in values:
        values["timeline"] = [e.dict() for e in body.timeline or []]
    for key in ("root_cause", "data_loss", "restored_from", "apology"):
        if key in values and values[key] is None:
            values[key] = ""
    if values.get("restored_run") is not None:
        values["restored_run"] = reference(
            runs_for(request.user).select_related("asset"), values["restored_run"], "restored_run"
        )
    report = services.update_report(report=report, actor=actor_of(request), **values)
    return _report_doc(report)


@router.post(
    "/incidents/major/{incident_id}/report/timeline",
    response=writes(ReportOut, 404, 409),
    operation_id="major_incidents_report_timeline",
    summary="Generate the timeline again from the ticket's events (staff)",
)
def regenerate(request: HttpRequest, incident_id: Id) -> Any:
    report = _report(request, incident_id)
    require_staff(request, "edit the report")
    return _report_doc(services.regenerate_timeline(report=report, actor=actor_of(request)))


@router.post(
    "/incidents/major/{incident_id}/report/actions",
    response=writes(ReportOut, 404, 409, status=201),
    operation_id="major_incidents_report_action",
    summary="Add a corrective action: a new follow-up ticket, or an existing change (staff)",
)
@idempotent
def add_action(request: HttpRequest, incident_id: Id, body: CorrectiveActionIn) -> Any:
    from servicepact.changes.models import Change

    report = _report(request, incident_id)
    require_staff(request, "edit the report")
    change = reference(Change.objects.all(), body.change, "change")
    services.add_corrective_action(
        report=report, actor=actor_of(request), description=body.description, change=change
    )
    return Status(201, _report_doc(report))


@router.post(
    "/incidents/major/{incident_id}/report/compensation",
    response=writes(ReportOut, 404, 409),
    operation_id="major_incidents_report_compensation",
    summary="Offer compensation: the month's credit adjusted by the amount (managers)",
)
def compensate(request: HttpRequest, incident_id: Id, body: CompensationIn) -> Any:
    from servicepact.billing.models import PeriodCredit

    report = _report(request, incident_id)
    require_staff(request, "offer compensation")
    credit = reference(PeriodCredit.objects.all(), body.credit, "credit")
    assert credit is not None
    report = services.offer_compensation(
        report=report, actor=actor_of(request), credit=credit, amount=body.amount, text=body.text
    )
    return _report_doc(report)


@router.post(
    "/incidents/major/{incident_id}/report/publish",
    response=writes(ReportOut, 404, 409),
    operation_id="major_incidents_report_publish",
    summary="Publish the report to the customer (staff)",
)
def publish(request: HttpRequest, incident_id: Id) -> Any:
    report = _report(request, incident_id)
    require_staff(request, "publish the report")
    return _report_doc(services.publish_report(report=report, actor=actor_of(request)))


@router.get(
    "/incidents/major/{incident_id}/report.pdf",
    response=reads(None, 404, 422),
    openapi_extra=pdf_openapi("The report as PDF"),
    operation_id="major_incidents_report_pdf",
    summary="The post-incident report as PDF",
)
def report_pdf(request: HttpRequest, incident_id: Id) -> Any:
    report = _report(request, incident_id)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    return response


def render_runbook(row: Runbook) -> dict[str, Any]:
    return {
        "id": row.pk,
        "contract": row.contract_id,
        "plan": row.plan_id,
        "title": row.title,
        "body": row.body,
        "updated_at": row.updated_at,
    }


@router.get(
    "/runbooks",
    response=reads(RunbookList, 403, 422),
    operation_id="runbooks_list",
    summary="Runbooks (emergency plans) per contract or service plan (staff)",
)
def list_runbooks(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    require_staff(request, "read runbooks")
    return rendered_page(runbooks_for(request.user), paging, render_runbook)


@router.post(
    "/runbooks",
    response=writes(RunbookOut, status=201),
    operation_id="runbooks_create",
    summary="Write a runbook for a contract or a service plan (staff)",
)
@idempotent
def create_runbook(request: HttpRequest, body: RunbookIn) -> Any:
    require_staff(request, "edit runbooks")
    contract = reference(Contract.objects.all(), body.contract, "contract")
    plan = reference(ServicePlan.objects.all(), body.plan, "plan")
    row = services.save_runbook(
        actor=actor_of(request), title=body.title, body=body.body, contract=contract, plan=plan
    )
    return Status(201, render_runbook(row))


# ---------------------------------------------------------------- classification and contacts


class LevelRow(ApiIn):
    level: int = Field(..., ge=1, le=4)
    name: Annotated[str, model_text(EventLevel, "name", min_length=1)]
    criteria: Annotated[str, Field(max_length=services.TEXT_MAX)] = ""
    priority: int = Field(..., ge=1, le=4)
    major: bool = True


class LevelsIn(ApiIn):
    levels: list[LevelRow] = Field(..., min_length=1, max_length=4)


class LevelOut(Schema):
    level: int
    level_label: str
    name: str
    criteria: str
    priority: int
    major: bool


class LevelsOut(Schema):
    contract: int
    default: bool = Field(description="true: the contract has no classification of its own")
    levels: list[LevelOut]


class EmergencyContactIn(ApiIn):
    contact: BodyId | None = None
    name: Annotated[str, model_text(EmergencyContact, "name")] = ""
    email: Annotated[str, model_text(EmergencyContact, "email")] = ""
    phone: Annotated[str, model_text(EmergencyContact, "phone")] = ""
    role: Annotated[str, model_text(EmergencyContact, "role")] = ""
    up_to_level: int = Field(4, ge=1, le=4)


class EmergencyContactOut(Schema):
    id: int
    contract: int
    contact: int | None
    name: str
    email: str
    phone: str
    role: str
    up_to_level: int


class EmergencyContactList(Schema):
    items: list[EmergencyContactOut]


def _levels(contract: Contract) -> dict[str, Any]:
    rows = levels_of(contract)
    return {
        "contract": contract.pk,
        "default": not rows or rows[0].pk is None,
        "levels": [
            {
                "level": r.level,
                "level_label": level_label(r.level),
                "name": r.name,
                "criteria": r.criteria,
                "priority": r.priority,
                "major": r.major,
            }
            for r in rows
        ],
    }


def render_emergency_contact(row: EmergencyContact) -> dict[str, Any]:
    return {
        "id": row.pk,
        "contract": row.contract_id,
        "contact": row.contact_id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "role": row.role,
        "up_to_level": row.up_to_level,
    }


@router.get(
    "/contracts/{contract_id}/event-levels",
    response=reads(LevelsOut, 404, 422),
    operation_id="event_levels_get",
    summary="The contract's event classification (levels I-IV): priority, major or not",
)
def get_levels(request: HttpRequest, contract_id: Id) -> Any:
    return _levels(get_contract(request.user, contract_id))


@router.put(
    "/contracts/{contract_id}/event-levels",
    response=writes(LevelsOut, 404),
    operation_id="event_levels_set",
    summary="Replace the contract's event classification (staff)",
)
def set_levels(request: HttpRequest, contract_id: Id, body: LevelsIn) -> Any:
    contract = get_contract(request.user, contract_id)
    require_staff(request, "classify events")
    services.set_event_levels(
        contract=contract,
        actor=actor_of(request),
        levels=[services.LevelIn(**row.dict()) for row in body.levels],
    )
    return _levels(contract)


@router.get(
    "/contracts/{contract_id}/emergency-contacts",
    response=reads(EmergencyContactList, 404, 422),
    operation_id="emergency_contacts_list",
    summary="Who is told at once of the contract's major incidents",
)
def list_emergency_contacts(request: HttpRequest, contract_id: Id) -> Any:
    contract = get_contract(request.user, contract_id)
    rows = EmergencyContact.objects.filter(contract=contract).order_by("up_to_level", "name", "id")
    return {"items": [render_emergency_contact(r) for r in rows]}


@router.post(
    "/contracts/{contract_id}/emergency-contacts",
    response=writes(EmergencyContactOut, 404, status=201),
    operation_id="emergency_contacts_create",
    summary="Add an emergency contact (staff)",
)
@idempotent
def create_emergency_contact(
    request: HttpRequest, contract_id: Id, body: EmergencyContactIn
) -> Any:
    contract = get_contract(request.user, contract_id)
    require_staff(request, "edit emergency contacts")
    contact = reference(
        Contact.objects.filter(customer_id=contract.customer_id), body.contact, "contact"
    )
    row = services.add_emergency_contact(
        contract=contract,
        actor=actor_of(request),
        contact=contact,
        name=body.name,
        email=body.email,
        phone=body.phone,
        role=body.role,
        up_to_level=body.up_to_level,
    )
    return Status(201, render_emergency_contact(row))


class EmergencyContactDeletedOut(Schema):
    id: int
    deleted: bool


@router.api_operation(
    ["DELETE"],
    "/emergency-contacts/{row_id}",
    response=writes(EmergencyContactDeletedOut, 404),
    operation_id="emergency_contacts_delete",
    summary="Remove an emergency contact (staff)",
)
def delete_emergency_contact(request: HttpRequest, row_id: Id) -> dict[str, Any]:
    require_staff(request, "edit emergency contacts")
    row = get_or_404(EmergencyContact.objects.all(), row_id)
    pk = row.pk
    services.remove_emergency_contact(row=row, actor=actor_of(request))
    return {"id": pk, "deleted": True}
