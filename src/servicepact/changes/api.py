"""Changes API, mounted at /api/v1/changes (docs/api.md, "Changes").

    GET  /changes, /changes/{id}            list, read (with board votes, events, conflicts)
    POST /changes                           request (staff): type, risk, plans, board, ...
    PUT  /changes/{id}                      edit a requested change (staff; approvals restart)
    POST /changes/{id}/board                a named board member votes {approve, note}
    POST /changes/{id}/approve | reject     the customer's contact decides
    POST /changes/{id}/start | implement | verify | roll-back | fail    execution (staff)
    POST /changes/{id}/complete             approved -> done in one step (staff)
    GET/POST /changes/templates             standard change templates

Tenancy: a contact sees its own customer's changes; another customer's change is a 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ValidationError

from servicepact.accounts.actors import actor_of
from servicepact.accounts.auth import api_auth
from servicepact.assets.models import Asset
from servicepact.changes import services
from servicepact.changes.choices import EXECUTION, ChangeKind, execution_allowed
from servicepact.changes.conflicts import conflicts_for
from servicepact.changes.models import Change, ChangeTemplate, ConfigurationUpdate
from servicepact.changes.selectors import changes_for, get_change
from servicepact.contracts.models import Contract
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    Text,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError, field_errors
from servicepact.core.pagination import ListOut, PageQuery, api_page
from servicepact.customers.selectors import is_staff
from servicepact.tickets.models import Ticket

router = Router(tags=["changes"], auth=api_auth())


class VoteOut(Schema):
    approver: str
    decision: str
    decided_at: datetime | None
    note: str


class BoardOut(Schema):
    required: bool
    rule: str
    quorum: int | None
    approved: bool | None
    decided_at: datetime | None
    votes: list[VoteOut]


class ConfigOut(Schema):
    asset: int
    kind: str
    name: str
    version: str
    applied: bool


class ChangeRiskOut(Schema):
    impact: int
    likelihood: int
    score: int
    level: str


class ChangeOut(Schema):
    id: int
    number: str
    customer: int
    contract: int | None
    kind: str
    template: int | None
    title: str
    description: str
    assets: list[int]
    planned_start: datetime
    planned_end: datetime
    status: str
    risk: ChangeRiskOut
    impact_description: str
    implementation_plan: str
    test_plan: str
    rollback_plan: str
    affected_services: str
    related_tickets: list[int]
    board: BoardOut
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    rejected_at: datetime | None
    rejection_reason: str
    started_at: datetime | None
    implemented_at: datetime | None
    completed_at: datetime | None
    approved_after_fact: bool
    configuration: list[ConfigOut]
    actions: list[str]


class ChangeEventOut(Schema):
    kind: str
    at: datetime
    actor: str | None
    note: str


class ConflictOut(Schema):
    kind: str
    message: str
    other_change: int | None
    blackout: int | None


class ChangeDetailOut(ChangeOut):
    events: list[ChangeEventOut]
    conflicts: list[ConflictOut]


class ChangeList(ListOut):
    items: list[ChangeOut]
    count: int


Title = Annotated[str, model_text(Change, "title")]
Description = Annotated[str, model_text(Change, "description")]
RejectionReason = Annotated[str, model_text(Change, "rejection_reason")]
Plan = Annotated[str, model_text(Change, "implementation_plan")]
Component = Annotated[str, model_text(ConfigurationUpdate, "name")]
Version = Annotated[str, model_text(ConfigurationUpdate, "version")]
Note = Annotated[str, Field(max_length=2000)]
LevelIn = Annotated[int, Field(ge=1, le=3)]


class ConfigIn(ApiIn):
    asset: BodyId
    kind: Annotated[str, Field(max_length=16)]
    name: Component
    version: Version


class ChangeIn(ApiIn):
    title: Title
    description: Description = ""
    assets: list[BodyId]
    planned_start: datetime
    planned_end: datetime
    type: Annotated[str, Field(max_length=12)] = ChangeKind.NORMAL
    template: BodyId | None = None
    contract: BodyId | None = None
    impact: LevelIn = 1
    likelihood: LevelIn = 1
    impact_description: Plan = ""
    implementation_plan: Plan = ""
    test_plan: Plan = ""
    rollback_plan: Plan = ""
    affected_services: Plan = ""
    approvers: list[BodyId] = []
    board_rule: Annotated[str, Field(max_length=8)] = "all"
    board_quorum: Annotated[int, Field(ge=1, le=100)] | None = None
    related_tickets: list[BodyId] = []
    configuration: list[ConfigIn] = []


class RejectIn(ApiIn):
    reason: RejectionReason = ""


class VoteIn(ApiIn):
    approve: bool
    note: Note = ""
    decided_at: AwareDatetime | None = None  # a vote recorded after the fact


class ApproveIn(ApiIn):
    approved_at: AwareDatetime | None = None  # an approval recorded after the fact


class ExecutionStepIn(ApiIn):
    note: Note = ""


class TemplateOut(Schema):
    id: int
    title: str
    description: str
    impact: int
    likelihood: int
    implementation_plan: str
    test_plan: str
    rollback_plan: str
    active: bool


class TemplateList(ListOut):
    items: list[TemplateOut]
    count: int


class TemplateIn(ApiIn):
    title: Annotated[str, model_text(ChangeTemplate, "title")]
    description: Plan = ""
    impact: LevelIn
    likelihood: LevelIn
    implementation_plan: Plan = ""
    test_plan: Plan = ""
    rollback_plan: Plan = ""


class TemplatePatch(ApiIn):
    title: Annotated[str, model_text(ChangeTemplate, "title")] | None = None
    description: Plan | None = None
    impact: LevelIn | None = None
    likelihood: LevelIn | None = None
    implementation_plan: Plan | None = None
    test_plan: Plan | None = None
    rollback_plan: Plan | None = None
    active: bool | None = None


def error(status: int, detail: Any, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """``{"detail": ...}``; with field errors, the API's one 422 shape (core.errors.field_errors)."""
    body: dict[str, Any] = {"detail": field_errors(errors) if errors is not None else detail}
    return JsonResponse(body, status=status)


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def change_out(change: Change) -> dict[str, Any]:
    votes = list(change.approvals.all())
    return {
        "id": change.pk,
        "number": change.number,
        "customer": change.customer_id,
        "contract": change.contract_id,
        "kind": change.kind,
        "template": change.template_id,
        "title": change.title,
        "description": change.description,
        "assets": sorted(a.pk for a in change.assets.all()),
        "planned_start": change.planned_start,
        "planned_end": change.planned_end,
        "status": change.status,
        "risk": {
            "impact": change.impact,
            "likelihood": change.likelihood,
            "score": change.risk_score,
            "level": change.risk,
        },
        "impact_description": change.impact_description,
        "implementation_plan": change.implementation_plan,
        "test_plan": change.test_plan,
        "rollback_plan": change.rollback_plan,
        "affected_services": change.affected_services,
        "related_tickets": sorted(t.pk for t in change.related_tickets.all()),
        "board": {
            "required": bool(votes),
            "rule": change.cab_rule,
            "quorum": change.cab_quorum,
            "approved": change.cab_approved,
            "decided_at": change.cab_decided_at,
            "votes": [
                {
                    "approver": v.approver.get_username(),
                    "decision": v.decision,
                    "decided_at": v.decided_at,
                    "note": v.note,
                }
                for v in votes
            ],
        },
        "requested_at": change.requested_at,
        "approved_by": _name(change.approved_by),
        "approved_at": change.approved_at,
        "rejected_at": change.rejected_at,
        "rejection_reason": change.rejection_reason,
        "started_at": change.started_at,
        "implemented_at": change.implemented_at,
        "completed_at": change.completed_at,
        "approved_after_fact": change.approved_after_fact,
        "configuration": [
            {
                "asset": u.asset_id,
                "kind": u.component_kind,
                "name": u.name,
                "version": u.version,
                "applied": u.applied_id is not None,
            }
            for u in change.configuration_updates.all()
        ],
        "actions": [a for a in EXECUTION if execution_allowed(a, change.status, change.kind)],
    }


def detail_out(change: Change) -> dict[str, Any]:
    return {
        **change_out(change),
        "events": [
            {"kind": e.kind, "at": e.at, "actor": _name(e.actor), "note": e.note}
            for e in change.events.select_related("actor").order_by("at", "id")
        ],
        "conflicts": [
            {
                "kind": c.kind,
                "message": c.message,
                "other_change": c.other_change_id,
                "blackout": c.blackout_id,
            }
            for c in conflicts_for(change)
        ],
    }


def _listing(user: Any) -> Any:
    return changes_for(user).prefetch_related(
        "approvals__approver", "related_tickets", "configuration_updates"
    )


def _by_ids(model: Any, ids: list[int], field: str, errors: dict[str, list[str]]) -> list[Any]:
    found = {o.pk: o for o in model.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        errors[field] = [
            _("no such %(what)s: %(ids)s") % {"what": model._meta.verbose_name, "ids": missing}
        ]
    return [found[i] for i in ids if i in found]


def _parse(payload: ChangeIn) -> tuple[list[Asset], services.ChangeDetails]:
    """The payload's ids as objects; unknown ids are 422 naming the field."""
    errors: dict[str, list[str]] = {}
    assets = _by_ids(Asset, payload.assets, "assets", errors)
    if not payload.assets:
        errors["assets"] = [_("name at least one asset")]
    tickets = _by_ids(Ticket, payload.related_tickets, "related_tickets", errors)
    template = None
    if payload.template is not None:
        template = ChangeTemplate.objects.filter(pk=payload.template).first()
        if template is None:
            errors["template"] = [_("no such template: %(id)s") % {"id": payload.template}]
    contract = None
    if payload.contract is not None:
        contract = Contract.objects.filter(pk=payload.contract).first()
        if contract is None:
            errors["contract"] = [_("no such contract: %(id)s") % {"id": payload.contract}]
    approvers = services.staff_users(payload.approvers)
    if len(approvers) != len(set(payload.approvers)) or len(payload.approvers) != len(
        set(payload.approvers)
    ):
        errors["approvers"] = [_("unknown or repeated approvers")]
    if errors:
        raise DomainValidationError(errors)
    return assets, services.ChangeDetails(
        kind=payload.type,
        template=template,
        impact=payload.impact,
        likelihood=payload.likelihood,
        impact_description=payload.impact_description,
        implementation_plan=payload.implementation_plan,
        test_plan=payload.test_plan,
        rollback_plan=payload.rollback_plan,
        affected_services=payload.affected_services,
        approvers=approvers,
        cab_rule=payload.board_rule,
        cab_quorum=payload.board_quorum,
        related_tickets=tickets,
        configuration=[
            services.ConfigUpdateIn(c.asset, c.kind, c.name, c.version)
            for c in payload.configuration
        ],
        contract=contract,
    )


@router.get(
    "", response=reads(ChangeList, 422), operation_id="changes_list", summary="List changes"
)
def list_changes(
    request: HttpRequest, paging: Query[PageQuery], status: Text = "", type: Text = ""
) -> dict[str, Any]:
    qs = _listing(request.user)
    if status:
        qs = qs.filter(status__in=status.split(","))
    if type:
        qs = qs.filter(kind__in=type.split(","))
    result = api_page(qs, paging)
    result["items"] = [change_out(c) for c in result["items"]]
    return result


@router.get(
    "/templates",
    response=reads(TemplateList, 422),
    operation_id="change_templates_list",
    summary="List standard change templates",
)
def list_templates(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    qs = ChangeTemplate.objects.filter(active=True) if not is_staff(request.user) else None
    return api_page(qs if qs is not None else ChangeTemplate.objects.all(), paging)


@router.post(
    "/templates",
    response=writes(TemplateOut, status=201),
    operation_id="change_templates_create",
    summary="Create a standard change template (staff)",
)
@idempotent
def create_template(request: HttpRequest, payload: TemplateIn) -> Any:
    template = services.create_template(**payload.dict(), actor=actor_of(request))
    return Status(201, template)


@router.patch(
    "/templates/{template_id}",
    response=writes(TemplateOut, 404),
    operation_id="change_templates_update",
    summary="Change a standard change template (staff)",
)
def update_template(request: HttpRequest, template_id: Id, payload: TemplatePatch) -> Any:
    """Changes made from the template keep their own copy; ``active: false`` retires it."""
    template = get_object_or_404(ChangeTemplate, pk=template_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.edit_template(template=template, actor=actor_of(request), **values)


@router.post(
    "",
    response=writes(ChangeOut, status=201),
    operation_id="changes_create",
    summary="Request a change",
)
@idempotent
def create_change(request: HttpRequest, payload: ChangeIn) -> Any:
    """Staff request a change; the assets must all belong to one customer."""
    if not is_staff(request.user):
        return error(403, _("only provider staff request changes through the API"))
    with transaction.atomic():
        assets, details = _parse(payload)
        change = services.request_change(
            customer=assets[0].customer,
            title=payload.title,
            description=payload.description,
            assets=assets,
            planned_start=payload.planned_start,
            planned_end=payload.planned_end,
            details=details,
            actor=actor_of(request),
        )
    return Status(201, change_out(get_change(request.user, change.pk)))


@router.get(
    "/{change_id}",
    response=reads(ChangeDetailOut, 404, 422),
    operation_id="changes_get",
    summary="Get a change",
)
def read_change(request: HttpRequest, change_id: Id) -> Any:
    return detail_out(get_change(request.user, change_id))


@router.put(
    "/{change_id}",
    response=writes(ChangeDetailOut, 404, 409),
    operation_id="changes_update",
    summary="Edit a requested change (staff; approvals start again)",
)
def update_change(request: HttpRequest, change_id: Id, payload: ChangeIn) -> Any:
    change = get_change(request.user, change_id)
    with transaction.atomic():
        assets, details = _parse(payload)
        services.edit_change(
            change=change,
            title=payload.title,
            description=payload.description,
            assets=assets,
            planned_start=payload.planned_start,
            planned_end=payload.planned_end,
            details=details,
            actor=actor_of(request),
        )
    return detail_out(get_change(request.user, change_id))


def _decide(request: HttpRequest, change_id: int, verb: str, **kwargs: Any) -> Any:
    # Refusals (403, 409, 422) are answered by the API's exception handlers (api/errors.py).
    change = get_change(request.user, change_id)
    service = getattr(services, f"{verb}_change")
    change = service(change=change, actor=actor_of(request), **kwargs)
    return detail_out(get_change(request.user, change.pk))


@router.post(
    "/{change_id}/board",
    response=writes(ChangeDetailOut, 404, 409),
    operation_id="changes_board_vote",
    summary="Vote as a named member of the change advisory board",
)
def board_vote(request: HttpRequest, change_id: Id, payload: VoteIn) -> Any:
    return _decide(
        request,
        change_id,
        "vote_on",
        approve=payload.approve,
        note=payload.note,
        decided_at=payload.decided_at,
    )


@router.post(
    "/{change_id}/approve",
    response=writes(ChangeDetailOut, 404, 409),
    operation_id="changes_approve",
    summary="Approve a change (customer contact)",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": ApproveIn.model_json_schema()}},
        }
    },
)
def approve(request: HttpRequest, change_id: Id) -> Any:
    """A contact of the change's customer approves; its window becomes planned downtime.
    An emergency change already carried out may be approved after the fact. Body optional:
    ``{"approved_at": "..."}``, the instant an approval recorded later was given (aware; not in
    the future, not before the request: 422)."""
    at = None
    if request.content_type == "application/json" and request.body.strip():
        try:
            at = ApproveIn.model_validate_json(request.body).approved_at
        except ValidationError as exc:
            problem = _("expected ISO 8601 with an offset, e.g. 2025-06-03T08:00:00+00:00")
            return error(422, str(exc), {"approved_at": [problem]})
    return _decide(request, change_id, "approve", approved_at=at)


@router.post(
    "/{change_id}/reject",
    response=writes(ChangeDetailOut, 404, 409),
    operation_id="changes_reject",
    summary="Reject a change (customer contact)",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": RejectIn.model_json_schema()}},
        }
    },
)
def reject(request: HttpRequest, change_id: Id) -> Any:
    """Body optional: JSON {"reason": "..."} or a form field ``reason``."""
    reason: Any = request.POST.get("reason", "")
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body) if request.body.strip() else {}
            reason = body.get("reason", "") if isinstance(body, dict) else None
        except ValueError:
            reason = None
    if not isinstance(reason, str):
        return error(422, 'body: expected {"reason": "..."}', {"reason": ["expected a string"]})
    return _decide(request, change_id, "reject", reason=reason)


@router.post(
    "/{change_id}/complete",
    response=writes(ChangeDetailOut, 404, 409),
    operation_id="changes_complete",
    summary="Complete a change",
)
def complete(request: HttpRequest, change_id: Id) -> Any:
    return _decide(request, change_id, "complete")


# The execution steps (``changes.choices.EXECUTION``): one handler, one operation per step
# (stable ids and paths: changes_start, POST /{change_id}/start, ...).
EXECUTION_ENDPOINTS = (
    ("start", "start", "Start carrying out a change (an emergency change may start unapproved)"),
    ("implement", "implement", "Record a change as implemented"),
    ("verify", "verify", "Record a change as verified (applies its configuration updates)"),
    ("roll_back", "roll-back", "Record a change as rolled back"),
    ("fail", "fail", "Record a change as failed"),
)


def _execution_endpoint(action: str) -> Any:
    def step(request: HttpRequest, change_id: Id, payload: ExecutionStepIn) -> Any:
        return _decide(request, change_id, "execute", action=action, note=payload.note)

    step.__name__ = action
    return step


for _action, _path, _summary in EXECUTION_ENDPOINTS:
    router.post(
        f"/{{change_id}}/{_path}",
        response=writes(ChangeDetailOut, 404, 409),
        operation_id=f"changes_{_action}",
        summary=_summary,
    )(_execution_endpoint(_action))
